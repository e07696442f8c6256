//! Stands for a user's service crate; only its `tests/conformance.rs`
//! matters here. Cargo wants a library or binary target in a package.
