import Foundation

/// Where a project's files are read from. The working tree today; the pre-commit hook and
/// `verify` read the same project from the index or from a commit's tree.
public protocol ProjectFiles {
    /// The file's text, or `nil` when there is no such file.
    func read(_ path: String) throws -> String?
    /// The names of the entries directly inside `directory`, or `[]` when it does not exist.
    func list(_ directory: String) throws -> [String]
    /// The files of `commit` of a pinned component source, as fetched into this repository
    /// (`.git/recipes/components.git`); `nil` when that commit is not fetched here.
    func sourceFiles(at commit: ObjectID) throws -> StoredFiles?
}

/// Project files as they are on disk under a repository's work tree.
public struct WorkingTreeFiles: ProjectFiles {
    /// The work tree.
    public let root: String

    /// The files under `root`.
    public init(root: String) {
        self.root = root
    }

    /// The file at `path`, relative to the work tree; `nil` when there is none.
    public func read(_ path: String) throws -> String? {
        let url = URL(fileURLWithPath: root).appending(path: path)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try NotText.decode(try Data(contentsOf: url), path: path)
    }

    /// The names in `directory`, relative to the work tree; none when it does not exist.
    public func list(_ directory: String) throws -> [String] {
        let path = URL(fileURLWithPath: root).appending(path: directory).path
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: path)
    }

    /// The files of `commit` in the component sources of the repository the work tree
    /// belongs to (a linked worktree's are its main repository's).
    public func sourceFiles(at commit: ObjectID) throws -> StoredFiles? {
        let repository = try Repository.discover(from: root, environment: [:])
        return try StoredFiles.sourceFiles(at: commit, in: SourceRepository.path(in: repository.commonDirectory))
    }
}

/// A project file whose bytes are not UTF-8: where the first bad byte is, as a position an
/// editor jumps to and as a byte offset.
struct NotText: RecipeError, Equatable {
    /// The file, relative to the work tree.
    public let path: String
    /// The byte's offset in the file.
    let offset: Int
    /// The line of the first byte that is not UTF-8.
    public let line: Int
    /// Its column on the line, in bytes from 1.
    let column: Int
    /// That byte.
    public let byte: UInt8

    /// Exit 2: the file is not text.
    public var exitStatus: ExitStatus { .invalidInput }

    /// What is wrong and how to fix it.
    public var message: String {
        "not UTF-8 text: byte \(offset) (0x\(String(byte, radix: 16, uppercase: true))) is not valid UTF-8; save the file as UTF-8"
    }

    /// `path:line:column: error: message`.
    public var description: String { "\(path):\(line):\(column): error: \(message)" }

    /// `data` as text, or the position of its first byte that is not UTF-8.
    static func decode(_ data: Data, path: String) throws(NotText) -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        let bytes = [UInt8](data)
        var offset = 0
        var line = 1
        var column = 1
        while offset < bytes.count {
            let length = Self.sequenceLength(bytes, at: offset)
            guard length > 0 else { break }
            if bytes[offset] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
            offset += length
        }
        throw NotText(path: path, offset: offset, line: line, column: column, byte: offset < bytes.count ? bytes[offset] : 0)
    }

    /// The length of the valid UTF-8 sequence at `offset`, or 0.
    private static func sequenceLength(_ bytes: [UInt8], at offset: Int) -> Int {
        let first = bytes[offset]
        let length = first < 0x80 ? 1 : first >= 0xC2 && first < 0xE0 ? 2 : first >= 0xE0 && first < 0xF0 ? 3 : first >= 0xF0 && first < 0xF5 ? 4 : 0
        guard length > 0, offset + length <= bytes.count else { return 0 }
        guard String(validating: bytes[offset..<(offset + length)], as: UTF8.self) != nil else { return 0 }
        return length
    }
}
