namespace Vsa.Edge.Contracts;

/// <summary>
/// Where the project keeps what it downloads and prepares (npm package, converted models, demo clip, agent state by
/// default). One rule, shared by the agent, the model tool, the tests and the <c>./vsa</c> script:
/// <c>$VSA_CACHE</c>, else <c>$XDG_CACHE_HOME/vsa-edge</c>, else <c>~/.cache/vsa-edge</c>.
/// </summary>
public static class CacheDirectory
{
    /// <summary>The cache root by the rule above; <paramref name="environment"/> replaces the process environment in tests.</summary>
    public static string Default(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var explicitRoot = environment("VSA_CACHE");
        if (!string.IsNullOrEmpty(explicitRoot))
        {
            return explicitRoot;
        }

        var xdg = environment("XDG_CACHE_HOME");
        var baseDir = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(baseDir, "vsa-edge");
    }
}
