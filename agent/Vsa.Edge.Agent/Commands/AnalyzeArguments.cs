using System.CommandLine;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.CommandLine;

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
    /// <summary>The <c>analyze</c> command: its options, their checks, and <paramref name="run"/> with the parsed arguments.</summary>
    public static Command Definition(Func<AnalyzeArguments, CancellationToken, Task<int>> run)
    {
        var source = CliOptions.Required("--source", "the video to replay (a file, or an rtsp:// address)");
        var camera = new Option<string>("--camera") { Description = "the camera document (zones, events); without it, detections only", HelpName = "camera.json" };
        var eventsOut = new Option<string>("--events-out") { Description = "write the alert events as JSON lines", HelpName = "file.jsonl" };
        var detectionsOut = new Option<string>("--detections-out") { Description = "write every processed frame's detections as JSON lines", HelpName = "file.jsonl" };
        var model = AgentCliOptions.ModelDirectory();
        var score = CliOptions.NumberIn("--score", 0, 1, "detection score threshold [0–1] (default: the manifest's)");
        var threads = CliOptions.IntIn("--threads", 0, 256, "ONNX Runtime intra-op threads (0: its default)");
        var every = CliOptions.IntIn("--every", 1, 10_000, "process every N-th frame");
        every.DefaultValueFactory = _ => 1;
        threads.DefaultValueFactory = _ => 0;
        var providers = AgentCliOptions.Providers(checkNames: true);
        var start = CliOptions.Timestamp("--start", "ISO 8601 time of the first frame (default: now)");
        var publish = new Option<string>("--publish") { Description = "publish the alerts to this broker (a test bench only; needs --device-id and --development)", HelpName = "mqtt://host:port" };
        var deviceId = new Option<string>("--device-id") { Description = "the device id the alerts are published as", HelpName = "id" };
        var development = new Option<bool>("--development") { Description = "acknowledge that published replayed alerts are covered by no authorisation" };
        var dataDirectory = AgentCliOptions.DataDirectory("the outbox folder of --publish");
        var annotate = new Option<string>("--annotate") { Description = "write a tuning video with the detections, zones and alerts drawn (delete it after use)", HelpName = "debug.mp4" };
        var poseModel = new Option<string>("--pose-model") { Description = "the pose model's folder (person_down)", HelpName = "dir", DefaultValueFactory = _ => PoseOptions.DefaultModelDirectory };
        Option[] options = [source, camera, eventsOut, detectionsOut, model, score, threads, every, providers, start, publish, deviceId, development, dataDirectory, annotate, poseModel];
        var command = AgentCommandLine.Define(
            "analyze",
            "Replay a video through the detector and the camera's rules, writing detections and alert events.",
            options,
            r => new AnalyzeArguments(
                r.GetValue(source)!,
                r.GetValue(camera),
                r.GetValue(eventsOut),
                r.GetValue(detectionsOut),
                r.GetValue(model)!,
                (float?)r.GetValue(score),
                r.GetValue(threads) ?? 0,
                r.GetValue(every) ?? 1,
                r.GetValue(publish),
                r.GetValue(deviceId) ?? "local",
                r.GetValue(start),
                r.GetValue(providers)!,
                r.GetValue(dataDirectory)!,
                r.GetValue(annotate),
                r.GetValue(poseModel)!),
            run);
        command.Validators.Add(r =>
        {
            var publishing = r.GetResult(publish) is not null;
            var developing = r.GetValue(development);
            if (publishing && r.GetResult(deviceId) is null)
            {
                r.AddError("option '--publish' needs '--device-id'");
            }
            else if (publishing && !developing)
            {
                // No authorisation gate applies to a replay: its alerts must never reach a broker by accident.
                r.AddError("option '--publish' needs '--development': replayed alerts published to a broker are not covered by any authorisation (a test bench only)");
            }
            else if (!publishing && developing)
            {
                r.AddError("option '--development' only goes with '--publish'");
            }
        });
        return command;
    }
}
