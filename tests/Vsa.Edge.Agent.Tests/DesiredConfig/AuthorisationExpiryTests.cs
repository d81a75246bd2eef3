using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

/// <summary>
/// The real model on the demo clip, with the device's wall clock faked and following the frames: intrusion is
/// authorised for the first 20 s, then not, then again from 40 s. There is no broker at all — the device needs no
/// message to stop: at the end date the open alerts end and no new one starts; at the next start date they resume.
/// </summary>
public sealed class AuthorisationExpiryTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Pipeline_AuthorisationEndsThenAnotherStarts_AlertsEndAtTheEndAndResumeAtTheStart()
    {
        var clock = new FakeTimeProvider(T0);
        using var scheduler = new AuthorisationScheduler(clock, NullLogger<AuthorisationScheduler>.Instance);
        scheduler.Enforce(new AuthorisationGate(
        [
            new AuthorisationWindow("A-1", "PM", ["intrusion"], ["vtest"], T0, T0.AddSeconds(20)),
            new AuthorisationWindow("A-2", "PM", ["intrusion"], ["vtest"], T0.AddSeconds(40), T0.AddSeconds(60)),
        ]));
        var camera = CameraConfigLoader.Load(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
        var rules = new RuleEngine(camera, fixture.Model.Manifest, "dev-1") { Authorisation = scheduler.For("vtest") };
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(TestAssets.DemoClip), clock, T0);
        var sink = new ClockFollowingSink(clock, stopAfter: T0.AddSeconds(62));
        var pipeline = new CameraPipeline(
            "vtest",
            source,
            fixture.Model.CreateDetector(),
            new ByteTracker(new TrackerOptions()),
            rules,
            sink,
            new PipelineOptions { Replay = true, PaceFiles = false, Every = 2 },
            new PipelineStats("vtest", clock),
            clock,
            NullLogger.Instance);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(sink.Stop.Token).WaitAsync(Guard));

        var alerts = sink.Alerts;
        var end1 = T0.AddSeconds(20);
        var start2 = T0.AddSeconds(40);
        Assert.Contains(alerts, a => a.State == AlertState.Start && a.ObservedAt < end1);
        Assert.DoesNotContain(alerts, a => a.State == AlertState.Start && a.ObservedAt >= end1 && a.ObservedAt < start2);
        Assert.DoesNotContain(alerts, a => a.ObservedAt > end1.AddSeconds(0.3) && a.ObservedAt < start2);
        Assert.Contains(alerts, a => a.State == AlertState.End && a.ObservedAt >= end1 && a.ObservedAt < end1.AddSeconds(0.3));
        Assert.Contains(alerts, a => a.State == AlertState.Start && a.ObservedAt >= start2);
        TestAlerts.AssertCompleteLifecycles(alerts);
    }

    // Sets the fake wall clock to each frame's time before the rules see the frame (a live camera's frames are stamped
    // with the wall clock); the scheduler's timers fire inside Advance.
    private sealed class ClockFollowingSink(FakeTimeProvider clock, DateTimeOffset stopAfter) : IPipelineSink
    {
        public CancellationTokenSource Stop { get; } = new();

        public List<AlertMessage> Alerts { get; } = [];

        public void OnFrame(in FrameResult frame)
        {
            if (frame.Timestamp > clock.GetUtcNow())
            {
                clock.Advance(frame.Timestamp - clock.GetUtcNow());
            }

            if (frame.Timestamp > stopAfter)
            {
                Stop.Cancel();
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts) => Alerts.AddRange(alerts);
    }
}
