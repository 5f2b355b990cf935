//! The built-in Bitbucket simulator (interface; the server is being written).
#![allow(missing_docs, unused_variables)]
use std::time::Duration;
pub struct SimOptions {
    pub port: u16,
    pub latency: Duration,
    pub seed: u64,
    pub request_budget: Option<u64>,
    pub budget_window: Duration,
    pub dataset: DataSet,
}
pub enum DataSet {
    Demo,
    Empty,
    Scale { repos: usize, keys_per_repo: usize },
}
impl Default for SimOptions {
    fn default() -> Self {
        todo!()
    }
}
pub struct Simulator;
pub async fn start(opts: SimOptions) -> std::io::Result<Simulator> {
    todo!()
}
impl Simulator {
    pub fn api_url(&self) -> String {
        todo!()
    }
    pub async fn shutdown(self) {}
}
pub fn export_line(sim: &Simulator) -> String {
    todo!()
}
pub mod credentials {
    pub const EMAIL: &str = "demo@bbkeys.example";
    pub const TOKEN: &str = "";
}
