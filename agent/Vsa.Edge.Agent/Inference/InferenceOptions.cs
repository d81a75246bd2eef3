using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Inference;

/// <summary>Detector settings (configuration section <c>Inference</c>); a record, so a copy for another model folder is <c>options with { ModelDirectory = … }</c>.</summary>
public sealed record InferenceOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Inference";

    /// <summary>Folder holding <c>manifest.json</c> and the ONNX file it names. Default <see cref="AgentPaths.DefaultModelDirectory"/>.</summary>
    [Required]
    public string ModelDirectory { get; set; } = AgentPaths.DefaultModelDirectory;

    /// <summary>
    /// Execution providers to try, in order; the first that initialises is used (names from
    /// <see cref="ExecutionProviderNames.Known"/>). Default TensorRT, CUDA, CPU.
    /// </summary>
    [Required]
    [MinLength(1)]
    public string[] ExecutionProviders { get; set; } = [ExecutionProviderNames.TensorRt, ExecutionProviderNames.Cuda, ExecutionProviderNames.Cpu];

    /// <summary>Intra-op threads of the CPU provider; 0 lets ONNX Runtime choose (one per physical core). Default 0.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Let idle intra-op threads spin-wait for the next run. Spinning shaves a little latency off back-to-back runs but
    /// burns the cores that capture, pre-processing and tracking need on a small CPU. Default false.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Minimum detection score; null uses the manifest's value.</summary>
    [Range(0.0, 1.0)]
    public float? ScoreThreshold { get; set; }

    /// <summary>CUDA device for the TensorRT and CUDA providers (a Jetson has one: 0). Default 0.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Build TensorRT engines in FP16 (about twice as fast on Jetson Orin; FP32 layers stay where needed). Default true.</summary>
    public bool TensorRtFp16 { get; set; } = true;

    /// <summary>
    /// Where TensorRT engine and timing caches go. Engines get a sub-folder per model, ONNX Runtime, TensorRT version
    /// and GPU, because an engine is invalid once any of them changes (see <see cref="TensorRtSettings"/>).
    /// Default <see cref="AgentPaths.DefaultTensorRtCache"/>.
    /// </summary>
    public string TensorRtCacheDirectory { get; set; } = AgentPaths.DefaultTensorRtCache;

    /// <summary>Keep TensorRT's layer timing cache (shared by all models): later engine builds take seconds, not minutes. Default true.</summary>
    public bool TensorRtTimingCache { get; set; } = true;

    /// <summary>
    /// Most GPU memory TensorRT may use as scratch space while building and running an engine (trt_max_workspace_size).
    /// A Jetson's GPU shares the board's RAM with the CPU: keep this well below it. Default 1 GiB.
    /// </summary>
    [Range(16L * 1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long TensorRtMaxWorkspaceBytes { get; set; } = 1L << 30;

    /// <summary>
    /// TensorRT builder optimisation level 0–5 (trt_builder_optimization_level): higher searches longer for faster
    /// kernels; below 3 the engine may be slower. Default 3 (TensorRT's own default).
    /// </summary>
    [Range(0, 5)]
    public int TensorRtBuilderOptimizationLevel { get; set; } = 3;

    /// <summary>
    /// TensorRT version for the engine cache folder's name, used only when libnvinfer cannot be loaded to ask it
    /// (then also from the <c>VSA_TENSORRT_VERSION</c> environment variable). Default null.
    /// </summary>
    public string? TensorRtVersion { get; set; }
}

/// <summary>The execution provider names accepted in configuration.</summary>
public static class ExecutionProviderNames
{
    /// <summary>NVIDIA TensorRT (Jetson, discrete GPUs).</summary>
    public const string TensorRt = "TensorRT";

    /// <summary>NVIDIA CUDA.</summary>
    public const string Cuda = "CUDA";

    /// <summary>The always-available CPU provider.</summary>
    public const string Cpu = "CPU";

    /// <summary>Every accepted name.</summary>
    public static IReadOnlyList<string> Known { get; } = [TensorRt, Cuda, Cpu];

    /// <summary>The canonical spelling of <paramref name="name"/> (case-insensitive), or null when unknown.</summary>
    public static string? Normalise(string? name)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }
}

/// <summary>Cross-field checks: every provider is known and listed once; the model folder exists.</summary>
public sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var seen = new HashSet<string>();
        foreach (var provider in options.ExecutionProviders ?? [])
        {
            var known = ExecutionProviderNames.Normalise(provider);
            if (known is null)
            {
                failures.Add($"Inference:ExecutionProviders: unknown provider '{provider}' (expected {string.Join(", ", ExecutionProviderNames.Known)}).");
            }
            else if (!seen.Add(known))
            {
                failures.Add($"Inference:ExecutionProviders: '{known}' is listed twice.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ModelDirectory) && !Directory.Exists(options.ModelDirectory))
        {
            failures.Add($"Inference:ModelDirectory: folder '{options.ModelDirectory}' does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
