using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Pose;

/// <summary>Pose log messages (event ids 8000–8049).</summary>
internal static partial class PoseLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Pose model {ModelId} {ModelVersion} loaded from {Path} on {Provider} (keypoints stay in memory; only a lying score reaches the rules)")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string modelVersion, string path, string provider);
}
