import Foundation

/// A temporary folder for one test, removed at deinit.
public final class TemporaryFolder {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "slalog-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` in the folder and returns the file's path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = "\(path)/\(name)"
        precondition(FileManager.default.createFile(atPath: file, contents: Data(bytes)), "could not write \(file)")
        return file
    }

    /// Runs a shell command in the folder (the compressors used are the real CLI tools).
    public func shell(_ command: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "command failed: \(command)")
    }
}

extension Process {
    /// Runs a shell command; true when it exits 0 (its output is dropped).
    public static func succeeds(_ command: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
