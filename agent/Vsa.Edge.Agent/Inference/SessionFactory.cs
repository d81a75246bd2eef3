using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>
/// Creates the ONNX Runtime session on the first execution provider of the configured list that initialises.
/// A provider can fail when it is appended (this build or machine lacks it: "… is not enabled in this build",
/// a missing <c>libonnxruntime_providers_*.so</c>, CUDA or TensorRT) or only when the session is created (wrong
/// driver, no device); both fall through to the next provider, logged.
/// </summary>
internal static class SessionFactory
{
    /// <summary>The ONNX Runtime native flavour this build was made with (<c>-p:OrtFlavour=Cpu|Gpu|Jetson</c>).</summary>
    public static string OrtFlavour { get; } =
        typeof(SessionFactory).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "OrtFlavour")?.Value ?? "Cpu";

    public static (InferenceSession Session, string Provider) Create(ModelPackage model, InferenceOptions options, ILogger logger)
    {
        var ort = OrtEnv.Instance();
        var available = string.Join(", ", ort.GetAvailableProviders());
        var version = ort.GetVersionString();
        InferenceLog.Runtime(logger, version, OrtFlavour, available);

        var failures = new List<string>();
        var providers = options.ExecutionProviders.Select(p => ExecutionProviderNames.Normalise(p) ?? p).ToArray();
        for (var i = 0; i < providers.Length; i++)
        {
            var provider = providers[i];
            SessionOptions? sessionOptions = null;
            try
            {
                sessionOptions = BaseOptions(options);
                Append(sessionOptions, provider, model.Manifest, options, logger);

                // With TensorRT, nodes it cannot run go to the next GPU provider in the list (CUDA) rather than the CPU.
                for (var j = i + 1; j < providers.Length && provider != ExecutionProviderNames.Cpu; j++)
                {
                    if (providers[j] != ExecutionProviderNames.Cpu && TryAppend(sessionOptions, providers[j], model.Manifest, options, logger))
                    {
                        break;
                    }
                }

                var session = new InferenceSession(model.OnnxPath, sessionOptions);
                InferenceLog.ProviderSelected(logger, provider, options.IntraOpThreads, model.Manifest.Id, model.Manifest.Version);
                return (session, provider);
            }
            catch (Exception ex) when (IsProviderFailure(ex))
            {
                // Absent from this build is expected on a CPU-only machine; present but failing deserves a warning.
                if (ex is ProviderUnavailableException)
                {
                    InferenceLog.ProviderUnavailable(logger, provider, ex.Message);
                }
                else
                {
                    InferenceLog.ProviderFailed(logger, provider, ex.Message);
                }

                failures.Add($"{provider}: {ex.Message}");
            }
            finally
            {
                sessionOptions?.Dispose();
            }
        }

        throw new ModelException($"No execution provider of [{string.Join(", ", providers)}] could run '{model.OnnxPath}': {string.Join("; ", failures)}");
    }

    private static SessionOptions BaseOptions(InferenceOptions options)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        return so;
    }

    private static bool TryAppend(SessionOptions so, string provider, ModelManifest manifest, InferenceOptions options, ILogger logger)
    {
        try
        {
            Append(so, provider, manifest, options, logger);
            return true;
        }
        catch (Exception ex) when (IsProviderFailure(ex))
        {
            return false;
        }
    }

    private static void Append(SessionOptions so, string provider, ModelManifest manifest, InferenceOptions options, ILogger logger)
    {
        // Checked first so a build without the provider fails with a plain reason, before any cache folder is made.
        var ortName = provider switch
        {
            ExecutionProviderNames.TensorRt => "TensorrtExecutionProvider",
            ExecutionProviderNames.Cuda => "CUDAExecutionProvider",
            _ => "CPUExecutionProvider",
        };
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(ortName, StringComparer.Ordinal))
        {
            throw new ProviderUnavailableException($"{ortName} is not in this ONNX Runtime build (available: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}).");
        }

        switch (provider)
        {
            case ExecutionProviderNames.TensorRt:
                var target = TensorRtTarget.Detect(options, HostFiles.Instance);
                var trt = TensorRtSettings.Build(options, manifest, OrtEnv.Instance().GetVersionString(), target);
                using (var trtOptions = new OrtTensorRTProviderOptions())
                {
                    trtOptions.UpdateOptions(new Dictionary<string, string>(trt.ProviderOptions));
                    so.AppendExecutionProvider_Tensorrt(trtOptions);
                }

                // Only once the provider loaded: a machine without TensorRT gets no empty cache folders.
                Directory.CreateDirectory(trt.EngineCacheDirectory);
                Directory.CreateDirectory(trt.TimingCacheDirectory);

                // Logged before the session is created: a missing engine is built then, which takes minutes on a Jetson.
                var cached = Directory.EnumerateFiles(trt.EngineCacheDirectory, "*.engine").Any();
                InferenceLog.TensorRtCache(logger, cached ? "found" : "absent (building it now: first run, may take minutes)", trt.EngineCacheDirectory, target.TensorRtVersion ?? "unknown", target.TensorRtVersionSource, target.GpuName ?? "unknown");
                break;
            case ExecutionProviderNames.Cuda:
                using (var cuda = new OrtCUDAProviderOptions())
                {
                    cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = options.DeviceId.ToString(CultureInfo.InvariantCulture) });
                    so.AppendExecutionProvider_CUDA(cuda);
                }

                break;
            case ExecutionProviderNames.Cpu:
                // The CPU provider is always present and always last; nothing to append.
                break;
            default:
                throw new ArgumentException($"Unknown execution provider '{provider}'.", nameof(provider));
        }
    }

    // What ONNX Runtime throws when a provider is not in this build, its shared library (or CUDA/TensorRT) is missing,
    // or the device cannot be used.
    private static bool IsProviderFailure(Exception ex) =>
        ex is OnnxRuntimeException or ProviderUnavailableException or EntryPointNotFoundException or DllNotFoundException;

    private sealed class ProviderUnavailableException(string message) : Exception(message);
}
