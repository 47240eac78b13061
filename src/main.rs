fn main() -> std::process::ExitCode {
    wrenchdesk::cli::main()
}
