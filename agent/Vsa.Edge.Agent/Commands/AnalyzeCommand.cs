using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// <c>vsa-agent analyze</c>: replays a video as fast as the machine allows (every frame unless <c>--every</c>),
/// writing detections and alert events as JSON lines, optionally publishing the alerts to a broker.
/// </summary>
public sealed class AnalyzeCommand(TextWriter stdout, TextWriter stderr, bool stderrIsTerminal, TimeProvider time, ILoggerFactory loggers)
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;
    public const int ExitSource = 3;
    public const int ExitCamera = 4;
    public const int ExitModel = 5;
    public const int ExitCancelled = 130;

    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Runs the command from the console: Ctrl+C ends the replay early (with its summary); warnings go to stderr.</summary>
    internal static async Task<int> RunFromConsoleAsync(AnalyzeArguments a)
    {
        using var cancel = new CancellationTokenSource();
        using var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var command = new AnalyzeCommand(Console.Out, Console.Error, !Console.IsErrorRedirected, TimeProvider.System, loggers);
        try
        {
            return await command.RunAsync(a, cancel.Token).ConfigureAwait(false);
        }
        catch (OutboxException ex)
        {
            // --publish with an outbox another agent holds (same device id and data directory).
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitFailure;
        }
    }

    /// <summary>The command line of <c>analyze</c> (the arguments after its name), parsed by the agent's grammar.</summary>
    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        AgentCommandLine.InvokeOneAsync(AnalyzeArguments.Definition(RunAsync), args, stdout, stderr, cancellationToken);

    internal async Task<int> RunAsync(AnalyzeArguments a, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        var inference = new InferenceOptions
        {
            ModelDirectory = a.ModelDirectory,
            ExecutionProviders = a.Providers,
            IntraOpThreads = a.Threads,
            ScoreThreshold = a.Score,
        };
        var (inputs, exit) = await AnalyzeInputs.OpenAsync(a, inference, stderr, time, loggers).ConfigureAwait(false);
        if (inputs is null)
        {
            return exit;
        }

        using (inputs)
        {
            return await ReplayAsync(a, inputs, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> ReplayAsync(AnalyzeArguments a, AnalyzeInputs inputs, CancellationToken ct)
    {
        var (camera, source, model) = (inputs.Camera, inputs.Source, inputs.Model);
        var cameraId = camera?.CameraId ?? "replay";
        var stats = new PipelineStats(cameraId, time);
        var total = source.FrameCount > 0 ? source.FrameCount : -1;
        var progress = new ProgressReporter(stderr, stderrIsTerminal, total, time);
        using var detections = a.DetectionsOut is null ? null : new DetectionsWriter(OpenText(a.DetectionsOut), model.Manifest.Labels);
        using var events = a.EventsOut is null ? null : OpenText(a.EventsOut);
        await using var publisher = await StartPublisherAsync(a, model, stats, ct).ConfigureAwait(false);
        var sink = new AnalyzeSink(detections, events, publisher, progress);
        using var detector = model.CreateDetector();
        VideoAnnotator? annotator;
        try
        {
            annotator = a.Annotate is null ? null : new VideoAnnotator(
                a.Annotate, source.Fps > 0 ? source.Fps / a.Every : 10, camera, model.Manifest.Labels, stderr, new OpenCvSharp.Size(source.Width, source.Height));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: --annotate: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }

        using var analysis = inputs.Pipelines.BuildAnalysis(camera, inputs.Rules, inputs.Pose, annotator);
        var pipeline = inputs.Pipelines.Create(cameraId, source, detector, inputs.Rules, sink, inputs.Pipelines.Replay(a.Every), stats, analysis);

        var started = time.GetTimestamp();
        var cancelled = false;
        try
        {
            await pipeline.RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            cancelled = true;
        }

        var elapsed = time.GetElapsedTime(started);
        progress.Complete();
        var undelivered = 0;
        if (publisher is not null)
        {
            await publisher.StopAsync(CancellationToken.None).ConfigureAwait(false);
            undelivered = publisher.AlertsQueued;
        }

        var snapshot = stats.Snapshot(TimeSpan.MaxValue);
        await WriteSummaryAsync(sink, elapsed, model.ExecutionProvider, snapshot).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"allocations: {stats.AllocatedBytes} managed bytes in the pipeline's stages (first frames' warm-up; steady state allocates none)")).ConfigureAwait(false);
        await WriteAnalysisSummaryAsync(analysis, annotator).ConfigureAwait(false);
        if (undelivered > 0)
        {
            await stderr.WriteLineAsync($"error: {undelivered} alerts could not be delivered to {a.Publish}; they wait in the outbox {publisher!.Outbox.Location} for the next run").ConfigureAwait(false);
            return ExitFailure;
        }

        return cancelled ? ExitCancelled : ExitOk;
    }

    private async Task<MqttPublisher?> StartPublisherAsync(AnalyzeArguments a, DetectorModel model, PipelineStats stats, CancellationToken ct)
    {
        if (a.Publish is null)
        {
            return null;
        }

        var registry = new PipelineStatsRegistry();
        registry.Register(stats);
        var health = new HealthReporter(a.DeviceId, registry, new ModelRef(model.Manifest.Id, model.Manifest.Version), () => model.ExecutionProvider, time);
        var publisher = MqttPublisher.WithOutbox(MqttOptions.FromUri(a.Publish), a.DeviceId, a.DataDirectory, new OutboxOptions(), time, loggers, health);
        await publisher.StartAsync(ct).ConfigureAwait(false);

        // Start the replay once connected (or after the connect timeout) so the first alerts are not held back.
        await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return publisher;
    }

    private async Task WriteSummaryAsync(AnalyzeSink sink, TimeSpan elapsed, string provider, StatsSnapshot snapshot)
    {
        var seconds = elapsed.TotalSeconds;
        var fps = seconds > 0 ? sink.FramesProcessed / seconds : 0;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"frames: {sink.FramesProcessed} processed (source frames 0-{Math.Max(0, sink.LastFrameIndex)}) in {seconds:F1} s, {fps:F1} fps")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"inference: {provider}, p50 {snapshot.InferenceMsP50:F1} ms, p95 {snapshot.InferenceMsP95:F1} ms")).ConfigureAwait(false);
        await stdout.WriteLineAsync(sink.Summary.Format()).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
    }

    private async Task WriteAnalysisSummaryAsync(FrameAnalysis analysis, VideoAnnotator? annotator)
    {
        if (analysis.Pose)
        {
            var perCrop = analysis.PoseCrops > 0 ? analysis.PoseTime.TotalMilliseconds / analysis.PoseCrops : 0;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"pose: {analysis.PoseCrops} person crops ({analysis.PoseModelRuns} model runs), {perCrop:F1} ms per crop, {analysis.PoseTime.TotalMilliseconds:F0} ms in all")).ConfigureAwait(false);
        }

        if (analysis.Fire)
        {
            var perFrame = analysis.FireFrames > 0 ? analysis.FireTime.TotalMilliseconds / analysis.FireFrames : 0;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"fire candidates: {analysis.FireFrames} frames, {perFrame:F2} ms per frame")).ConfigureAwait(false);
        }

        if (annotator?.WrittenPath is { } path)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"annotated video: {path} ({annotator.Codec}, {annotator.FramesWritten} frames) - {VideoAnnotator.RetentionReminder}")).ConfigureAwait(false);
        }

        await stdout.FlushAsync().ConfigureAwait(false);
    }

    private static StreamWriter OpenText(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        return new StreamWriter(path, false, Utf8NoBom, 1 << 16) { NewLine = "\n" };
    }
}
