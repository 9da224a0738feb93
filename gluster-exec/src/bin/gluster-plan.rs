//! `gluster-plan`: plan GlusterFS volumes on a topology from the command line.

fn main() {
    std::process::exit(gluster_exec::cli::main_with_args(std::env::args_os()));
}
