using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Suspension;
using Vsa.Edge.Benchmarks.Cameras;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Benchmarks.KillSwitch;

/// <summary>
/// <c>./vsa bench killswitch [--runs 20]</c>: the kill switch's latency, from the fleet's publish of a signed suspension
/// state to the suspended camera's last model run. Each run: a camera pipeline on the demo clip (real model, tracker,
/// the sample camera's rules), a loopback MQTTnet broker, a "fleet" client that publishes the signed state (QoS 1) and a
/// "device" client subscribed to the suspension topic that hands each payload to the agent's own
/// <see cref="SuspensionHandler"/> (verify, keep on disk, apply). Measured: the camera's <c>LastInferenceAt</c> once its
/// first frame was drained as suspended, minus the time just before the publish (0 when the last run began before it).
/// </summary>
public static class KillSwitchBench
{
    private const string DeviceId = "bench-device";
    private const string CameraId = "bench-camera";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var camera = CameraConfigLoader.Load(Path.Combine(Vsa.Edge.Testing.TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"))
            with { CameraId = CameraId };
        using var signer = MessageSigner.CreateNew();
        var verifier = new SuspensionVerifier(new SignedMessageVerifier([signer.SubjectPublicKeyInfo]), DeviceId);
        using var model = CameraRun.LoadModel(2);
        var port = FreePort();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        await server.StartAsync();
        using var fleet = new MqttClientFactory().CreateMqttClient();
        using var device = new MqttClientFactory().CreateMqttClient();
        await fleet.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-fleet").Build());
        await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(DeviceId).Build());
        SuspensionHandler? handler = null;
        device.ApplicationMessageReceivedAsync += e =>
        {
            Volatile.Read(ref handler)?.Handle(e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
        await device.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Suspension(DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var factory = new OpenCvFrameSourceFactory(TimeProvider.System, NullLogger<OpenCvFrameSourceFactory>.Instance);
        var latencies = new List<double>();
        var folder = Directory.CreateTempSubdirectory("vsa-killswitch-bench-");
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                var suspension = new AgentSuspension();
                Volatile.Write(ref handler, new SuspensionHandler(suspension, verifier, new SuspensionFile(Path.Combine(folder.FullName, $"run-{run}")), NullLogger<SuspensionHandler>.Instance));
                var stats = new PipelineStats(CameraId, TimeProvider.System);
                using var detector = model.CreateDetector();
                using var source = factory.Open(Vsa.Edge.Testing.TestAssets.DemoClip);
                var pipeline = new CameraPipeline(CameraId, source, detector, new ByteTracker(new TrackerOptions()), new RuleEngine(camera, model.Manifest, "bench"), new NullSink(),
                    new PipelineOptions { Replay = true, ScoreThreshold = model.ScoreThreshold }, stats, TimeProvider.System, NullLogger.Instance)
                {
                    Suspension = suspension,
                };
                using var stop = new CancellationTokenSource();
                var running = Task.Run(() => pipeline.RunAsync(stop.Token));

                // Running steadily (a few model runs, a random phase within a frame), then the publish.
                var warm = 5 + Random.Shared.Next(10);
                await WaitAsync(() => stats.InferenceRuns >= warm, "model runs before the suspension");
                var state = new SuspensionStateMessage(SuspensionStateMessage.SchemaId, SuspensionStateMessage.CurrentVersion, DeviceId, run, DateTimeOffset.UtcNow, null,
                    [new CameraSuspensionEntry(CameraId, "bench", DateTimeOffset.UtcNow)]);
                var payload = signer.SignToJson(SuspensionStateMessage.SchemaId, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(state, ContractsJsonContext.Default.SuspensionStateMessage)));
                var published = DateTimeOffset.UtcNow;
                await fleet.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Suspension(DeviceId)).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                await WaitAsync(() => stats.FramesSuspended > 0, "a frame drained as suspended");
                var runsAtSuspension = stats.InferenceRuns;
                var last = stats.LastInferenceAt ?? published;
                await stop.CancelAsync();
                await running.ContinueWith(_ => { }, TaskScheduler.Default);
                if (stats.InferenceRuns != runsAtSuspension)
                {
                    throw new InvalidOperationException($"run {run}: the model ran after the camera was suspended");
                }

                var ms = Math.Max(0, (last - published).TotalMilliseconds);
                latencies.Add(ms);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run,2}: publish → last inference {ms,6:F1} ms ({stats.InferenceMsP50():F0} ms per model run)"));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
            await server.StopAsync();
        }

        latencies.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill switch, {runs} runs: publish → last inference p50 {Percentile(latencies, 0.5):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms, max {latencies[^1]:F1} ms (target: 2000 ms)"));
        return 0;
    }

    private static double InferenceMsP50(this PipelineStats stats) => stats.Snapshot(TimeSpan.Zero).InferenceMsP50;

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"no {what} within 60 s");
            }

            await Task.Delay(1);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class NullSink : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
