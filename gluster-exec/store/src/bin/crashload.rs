//! Child process of the crash test (placeholder until the provisioner lands).
fn main() {}
