// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "git-recipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "git-recipe", targets: ["git-recipe"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // posix_spawn's chdir action, which Swift's Glibc module does not expose.
        .target(name: "CSpawn"),
        // ioctl(FICLONE) and copy_file_range, which Swift cannot call or does not see.
        .target(name: "CFileClone"),
        .target(
            name: "GitRecipeCore",
            dependencies: [
                "CLibGit2",
                "CSpawn",
                "CFileClone",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedTemplates"]
        ),
        .target(
            name: "GitRecipeCommands",
            dependencies: [
                "GitRecipeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "git-recipe",
            dependencies: ["GitRecipeCommands"]
        ),
        // Turns templates/ into Swift source so the installed binary carries them.
        .executableTarget(name: "embed-templates"),
        .plugin(
            name: "EmbedTemplates",
            capability: .buildTool(),
            dependencies: ["embed-templates"]
        ),
        .testTarget(
            name: "GitRecipeCoreTests",
            dependencies: ["GitRecipeCore", "TestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "git-recipe", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            // Expected outputs and fixture projects, read by path from the tests.
            exclude: ["Golden", "Fixtures"]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["GitRecipeCore"],
            path: "Tests/Support"
        ),
    ]
)
