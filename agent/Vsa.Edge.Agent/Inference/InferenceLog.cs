using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Inference;

/// <summary>Inference log messages (event ids 2000–2099).</summary>
internal static partial class InferenceLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Model {ModelId} {ModelVersion} loaded from {Path} (SHA-256 verified)")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string modelVersion, string path);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Execution provider {Provider} is not available here, trying the next one: {Reason}")]
    public static partial void ProviderUnavailable(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Execution provider {Provider} failed to initialise, trying the next one: {Reason}")]
    public static partial void ProviderFailed(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Using execution provider {Provider} ({Threads} intra-op threads, 0 = ORT default) for {ModelId} {ModelVersion}")]
    public static partial void ProviderSelected(ILogger logger, string provider, int threads, string modelId, string modelVersion);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "ONNX Runtime {Version} ({Flavour} build); providers in this build: {Available}")]
    public static partial void Runtime(ILogger logger, string version, string flavour, string available);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "TensorRT engine cache {State}: {Directory} (TensorRT {TensorRtVersion} from {VersionSource}, GPU {Gpu})")]
    public static partial void TensorRtCache(ILogger logger, string state, string directory, string tensorRtVersion, string versionSource, string gpu);
}
