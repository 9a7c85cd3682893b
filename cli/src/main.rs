//! `fabric-handlers`: the project's command-line tool.

fn main() {}
