//! Configuration (being written)
