use macie_conform::libtest::Conformance;
use macie_conform::server::{ServerConfig, router};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Your axum app; here the reference server plays its part.
    let config = ServerConfig::embedded().expect("built-in data");
    let app = router(config.with_faults(true));
    Conformance::builder()
        .router(app) // served in-process on a free port
        .embedded_fixture() // it holds the canonical data set
        .faults(true) // and honours the fault-injection header
        .run()
}
