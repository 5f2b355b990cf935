//! Where bbkeys keeps its files (being written)
