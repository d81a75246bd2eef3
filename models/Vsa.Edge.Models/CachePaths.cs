using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models;

/// <summary>
/// Where the tool keeps downloaded packages and prepared models. The one place of the rule (same as
/// <c>tests/Vsa.Edge.Testing/TestAssets.cs</c> and the <c>./vsa</c> script): <c>$VSA_CACHE</c>, else
/// <c>$XDG_CACHE_HOME/vsa-edge</c>, else <c>~/.cache/vsa-edge</c>.
/// </summary>
public sealed class CachePaths(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The cache given on the command line, or the default one.</summary>
    public static CachePaths From(string? explicitRoot) => new(string.IsNullOrEmpty(explicitRoot) ? DefaultRoot() : explicitRoot);

    public static string DefaultRoot(Func<string, string?>? environment = null) => CacheDirectory.Default(environment);

    /// <summary><c>npm/&lt;name&gt;-&lt;version&gt;</c>: the folder that holds the extracted <c>package/</c>.</summary>
    public string NpmPackage(string folderName) => Path.Combine(Root, "npm", folderName);

    /// <summary><c>models/&lt;id&gt;</c>: a prepared model and its manifest.</summary>
    public string Model(string id) => Path.Combine(Root, "models", id);
}
