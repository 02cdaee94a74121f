import Foundation
import TestSupport
import Testing

@testable import Report

/// Reports go straight to the device where the file system takes direct writes, through the page
/// cache elsewhere; either way the file holds exactly the bytes written, and a full disk is an error.
/// (A file system that refuses a direct write midway: UnattendedTests, with the `einval@` fault.)
@Suite struct OutputFileTests {
    /// Pieces of every size (empty, a few bytes, more than a whole 1 MiB block at once), so blocks
    /// fill in the middle of pieces and the last one is partial.
    static func pieces() -> [[UInt8]] {
        var sizes = (0..<1500).map { $0 * 37 % 9000 }
        sizes += [OutputFile.directBlockSize, 3 * OutputFile.directBlockSize + 5, 1, 4095, 4097]
        return sizes.enumerated().map { piece, size in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ piece) } }
    }

    static func writeAndReadBack(in folder: String, direct: Bool = true) throws -> (isDirect: Bool, same: Bool) {
        let path = folder + "/tickets-\(UUID().uuidString).csv"
        let pieces = Self.pieces()
        let file = try OutputFile(creating: path, direct: direct)
        for piece in pieces { try file.write(piece) }
        let isDirect = file.isDirect
        try file.finish()
        let read = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        return (isDirect, read == pieces.flatMap { $0 })
    }

    /// The test folder's file system (ext4 here; whatever the machine has elsewhere).
    @Test func everyByteInOrderWhereverTheTestsRun() throws {
        let folder = TemporaryFolder()
        let (_, same) = try Self.writeAndReadBack(in: folder.path)
        #expect(same)
        #expect(try Self.writeAndReadBack(in: folder.path, direct: false).same)
    }

    /// A small ext4 file system on a loop device (root only): direct writes are on, the file holds
    /// every byte, and filling it fails with ENOSPC, named, not silently short.
    static let canMountExt4: Bool = {
        guard getuid() == 0 else { return false }
        let probe = TemporaryFolder()
        let mounted = Process.succeeds(
            "dd if=/dev/zero of=\(probe.path)/image bs=1M count=8 && mkfs.ext4 -q -F \(probe.path)/image && mkdir \(probe.path)/disk && mount -o loop \(probe.path)/image \(probe.path)/disk"
        )
        if mounted { _ = Process.succeeds("umount \(probe.path)/disk") }
        return mounted
    }()

    @Test(.enabled(if: canMountExt4, "needs root and a loop device to mount a small ext4"))
    func directWritesOnExt4AndAFullDisk() throws {
        let folder = TemporaryFolder()
        let disk = folder.path + "/disk"
        #expect(
            Process.succeeds(
                "dd if=/dev/zero of=\(folder.path)/image bs=1M count=24 && mkfs.ext4 -q -F \(folder.path)/image && mkdir \(disk) && mount -o loop \(folder.path)/image \(disk)"
            ))
        defer { _ = Process.succeeds("umount \(disk)") }
        let (isDirect, same) = try Self.writeAndReadBack(in: disk)
        #expect(isDirect)
        #expect(same)
        // Fill it: a direct write that finds no room fails with ENOSPC.
        let file = try OutputFile(creating: disk + "/full.csv")
        #expect(file.isDirect)
        let block = [UInt8](repeating: 0x61, count: OutputFile.directBlockSize)
        var failure: WriteError?
        do {
            for _ in 0..<64 { try file.write(block) }
            try file.finish()
        } catch { failure = error }
        #expect(failure?.code == ENOSPC, "\(String(describing: failure))")
        #expect(failure?.description.contains("No space left on device") == true)
    }
}
