using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent;

/// <summary>Default locations, by the same rule as the <c>./vsa</c> script and the test assets.</summary>
public static class AgentPaths
{
    /// <summary><c>$VSA_CACHE</c>, else <c>$XDG_CACHE_HOME/vsa-edge</c>, else <c>~/.cache/vsa-edge</c>.</summary>
    public static string CacheRoot => CacheDirectory.Default();

    /// <summary>The converted NanoDet model: <c>{CacheRoot}/models/nanodet-coco</c>.</summary>
    public static string DefaultModelDirectory => Path.Combine(CacheRoot, "models", "nanodet-coco");

    /// <summary>Where TensorRT engines and timing caches are kept: <c>{CacheRoot}/tensorrt</c>.</summary>
    public static string DefaultTensorRtCache => Path.Combine(CacheRoot, "tensorrt");

    /// <summary>
    /// The agent's state folder: <c>$STATE_DIRECTORY</c> (set by systemd's <c>StateDirectory=</c>; the first entry when it
    /// lists several), else <c>{CacheRoot}/agent</c>.
    /// </summary>
    public static string DefaultDataDirectory =>
        Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } state
            ? state.Split(':')[0]
            : Path.Combine(CacheRoot, "agent");
}
