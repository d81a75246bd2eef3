using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>What a TensorRT engine is bound to besides the model: the TensorRT version and the GPU.</summary>
/// <param name="TensorRtVersion">"10.3.0", or null when unknown.</param>
/// <param name="TensorRtVersionSource">Where the version came from: "libnvinfer", "config", "env" or "unknown".</param>
/// <param name="GpuName">"NVIDIA Jetson Orin Nano Developer Kit", "NVIDIA H200", or null when unknown.</param>
public sealed record TensorRtTarget(string? TensorRtVersion, string TensorRtVersionSource, string? GpuName)
{
    /// <summary>Environment variable read when neither libnvinfer nor <c>Inference:TensorRtVersion</c> gives the version.</summary>
    public const string VersionVariable = "VSA_TENSORRT_VERSION";

    /// <summary>
    /// The TensorRT version from the library itself when it loads, else <see cref="InferenceOptions.TensorRtVersion"/>,
    /// else <see cref="VersionVariable"/>; the GPU from the device tree (Jetson) or nvidia-smi.
    /// </summary>
    public static TensorRtTarget Detect(InferenceOptions options, IHostFiles files, Func<string?>? loadedVersion = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        loadedVersion ??= () => NvidiaStack.TryGetLoadedTensorRtVersion(out var v) ? v : null;
        environment ??= Environment.GetEnvironmentVariable;
        var (version, source) = loadedVersion() is { } fromLibrary
            ? (fromLibrary, "libnvinfer")
            : !string.IsNullOrWhiteSpace(options.TensorRtVersion)
                ? (options.TensorRtVersion.Trim(), "config")
                : environment(VersionVariable) is { Length: > 0 } fromEnv
                    ? (fromEnv.Trim(), "env")
                    : ((string?)null, "unknown");
        var gpu = NvidiaStack.TryGetGpuName(files, BoardInfo.Detect(files), out var name) ? name : null;
        return new TensorRtTarget(version, source, gpu);
    }
}

/// <summary>
/// The TensorRT execution provider's options (keys of ONNX Runtime's <c>OrtTensorRTProviderOptionsV2</c>) and its
/// cache folders. Engines go to <c>{cache}/{model}-{sha12}/ort{ORT}-trt{TensorRT}-{gpu}</c>: a new model, ONNX Runtime,
/// TensorRT or GPU gets a new folder (and a fresh build) instead of a stale engine. The timing cache depends only on
/// TensorRT and the GPU, so it is shared by every model: <c>{cache}/timing/trt{TensorRT}-{gpu}</c>.
/// </summary>
/// <param name="EngineCacheDirectory">Where engines are cached.</param>
/// <param name="TimingCacheDirectory">Where the timing cache is kept.</param>
/// <param name="ProviderOptions">The options passed to <c>OrtTensorRTProviderOptions.UpdateOptions</c>.</param>
public sealed record TensorRtSettings(string EngineCacheDirectory, string TimingCacheDirectory, IReadOnlyDictionary<string, string> ProviderOptions)
{
    private const int MaxSlugLength = 48;

    /// <summary>Builds the options for <paramref name="manifest"/> on <paramref name="target"/> with ONNX Runtime <paramref name="ortVersion"/>.</summary>
    public static TensorRtSettings Build(InferenceOptions options, ModelManifest manifest, string ortVersion, TensorRtTarget target)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(target);
        var trt = "trt" + Slug(target.TensorRtVersion ?? "unknown");
        var gpu = Slug(target.GpuName ?? "gpu-unknown");
        var model = $"{Slug(manifest.Id)}-{manifest.Sha256[..Math.Min(12, manifest.Sha256.Length)].ToLowerInvariant()}";
        var engines = Path.Combine(options.TensorRtCacheDirectory, model, $"ort{Slug(ortVersion)}-{trt}-{gpu}");
        var timing = Path.Combine(options.TensorRtCacheDirectory, "timing", $"{trt}-{gpu}");
        var inv = CultureInfo.InvariantCulture;
        var providerOptions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = options.DeviceId.ToString(inv),
            ["trt_fp16_enable"] = options.TensorRtFp16 ? "1" : "0",
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = engines,
            ["trt_timing_cache_enable"] = options.TensorRtTimingCache ? "1" : "0",
            ["trt_timing_cache_path"] = timing,
            ["trt_max_workspace_size"] = options.TensorRtMaxWorkspaceBytes.ToString(inv),
            ["trt_builder_optimization_level"] = options.TensorRtBuilderOptimizationLevel.ToString(inv),
        };
        return new TensorRtSettings(engines, timing, providerOptions);
    }

    /// <summary>
    /// A folder-name-safe form: lower-case letters, digits, '.' and '-'; names longer than 48 characters are cut and
    /// end in a hash of the whole name, so two long names that share a prefix never share a folder.
    /// </summary>
    public static string Slug(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '.')
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var slug = sb.ToString().Trim('-', '.');
        if (slug.Length == 0)
        {
            return "unknown";
        }

        if (slug.Length <= MaxSlugLength)
        {
            return slug;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug)))[..8];
        return $"{slug[..(MaxSlugLength - 9)].TrimEnd('-', '.')}-{hash}";
    }
}
