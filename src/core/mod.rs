//! The pure core: everything that decides a verdict without doing I/O.

pub mod oracle;
