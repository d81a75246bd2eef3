using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;

namespace Vsa.Edge.Agent.Commands;

/// <summary>The options of <c>vsa-agent analyze</c>.</summary>
internal sealed record AnalyzeArguments(
    string Source,
    string? Camera,
    string? EventsOut,
    string? DetectionsOut,
    string ModelDirectory,
    float? Score,
    int Threads,
    int Every,
    string? Publish,
    string DeviceId,
    DateTimeOffset? Start,
    string[] Providers,
    string DataDirectory,
    string? Annotate,
    string PoseModelDirectory)
{
    public const string Usage =
        "usage: vsa-agent analyze --source <video> [--camera <camera.json>] [--events-out <file.jsonl>] [--detections-out <file.jsonl>]\n" +
        "                         [--model <dir>] [--score <0..1>] [--threads <N>] [--every <N>] [--providers CPU|CUDA,CPU|TensorRT,CUDA,CPU]\n" +
        "                         [--start <ISO 8601 time of the first frame>] [--publish mqtt://host:port --device-id <id> --development [--data-dir <outbox folder>]]\n" +
        "                         [--annotate <debug.mp4>] [--pose-model <dir>]";

    private static readonly string[] Known =
        ["--source", "--camera", "--events-out", "--detections-out", "--model", "--score", "--threads", "--every", "--publish", "--device-id", "--start", "--providers", "--data-dir", "--annotate", "--pose-model"];

    public static AnalyzeArguments Parse(IReadOnlyList<string> args)
    {
        var cl = new CommandLineArgs(args, Known, ["--development"]);
        var publish = cl.Get("--publish");
        var deviceId = cl.Get("--device-id");
        if (publish is not null && deviceId is null)
        {
            throw new UsageException("option '--publish' needs '--device-id'");
        }

        if (publish is not null && !cl.Has("--development"))
        {
            // No authorisation gate applies to a replay: its alerts must never reach a broker by accident.
            throw new UsageException("option '--publish' needs '--development': replayed alerts published to a broker are not covered by any authorisation (a test bench only)");
        }

        if (publish is null && cl.Has("--development"))
        {
            throw new UsageException("option '--development' only goes with '--publish'");
        }

        var providers = (cl.Get("--providers") ?? $"{ExecutionProviderNames.TensorRt},{ExecutionProviderNames.Cuda},{ExecutionProviderNames.Cpu}")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new AnalyzeArguments(
            cl.Require("--source"),
            cl.Get("--camera"),
            cl.Get("--events-out"),
            cl.Get("--detections-out"),
            cl.Get("--model") ?? AgentPaths.DefaultModelDirectory,
            cl.GetFloat("--score", 0f, 1f),
            cl.GetInt("--threads", 0, 256) ?? 0,
            cl.GetInt("--every", 1, 10_000) ?? 1,
            publish,
            deviceId ?? "local",
            cl.GetTimestamp("--start"),
            providers,
            cl.Get("--data-dir") ?? AgentPaths.DefaultDataDirectory,
            cl.Get("--annotate"),
            cl.Get("--pose-model") ?? PoseOptions.DefaultModelDirectory);
    }
}
