import Foundation

/// Child processes for end-to-end tests, started with posix_spawn and reaped with waitpid (not
/// Foundation's `Process`, which on Linux can wait for daemonised grandchildren; see
/// ``TUIEndToEndTests``). stdin is /dev/null; stdout/stderr go to files or /dev/null.
enum Spawn {
    /// Starts `args` (PATH search) and returns its pid.
    static func start(_ args: [String], stdout: String = "/dev/null", stderr: String = "/dev/null",
                      env: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv + envp { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, envp)
        guard rc == 0 else {
            throw NSError(domain: "spawn", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "\(args[0]): \(rc)"])
        }
        return pid
    }

    /// Runs `args` to completion; returns (exit status, stdout).
    @discardableResult
    static func run(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString)").path
        defer { unlink(out) }
        let pid = try start(args, stdout: out, env: env)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xFF, text)
    }

    /// Whether `pid` (a child) has exited; reaps it if so.
    static func exited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// SIGTERM, then SIGKILL after `grace` seconds, and reaps.
    static func stop(_ pid: pid_t, grace: Double = 3) {
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Whether `tool` is on PATH.
    static func has(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    /// Polls `condition` every `every` seconds until it returns a value or `timeout` passes.
    static func poll<T>(timeout: Double, every: Double = 0.2, _ condition: () throws -> T?) rethrows -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let v = try condition() { return v }
            usleep(UInt32(every * 1_000_000))
        } while Date() < deadline
        return nil
    }
}
