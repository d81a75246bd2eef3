using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tests.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Authorisation;

/// <summary>The rule engine with a camera's authorisation: the clock of the gate is driven here, as the pipeline does with the wall clock.</summary>
public sealed class RuleEngineAuthorisationTests
{
    [Fact]
    public void Evaluate_EventNotAuthorised_NoAlert()
    {
        var gate = new AuthorisationGate([AuthorisationGateTests.Window("A-1", TestData.At(0), TestData.At(60), ["weapon"])]);
        var (engine, alerts) = Engine(gate);

        Run(engine, alerts, gate: null, 0, 10, _ => [TestData.Track(1, RuleHarness.Inside)]);

        Assert.Empty(alerts);
    }

    [Fact]
    public void Evaluate_AuthorisationEndsWhileAnAlertIsOpen_EndsItAndStartsNoOther()
    {
        var gate = new AuthorisationGate([AuthorisationGateTests.Window("A-1", TestData.At(0), TestData.At(10))]);
        var (engine, alerts) = Engine(gate);

        // A person stays in the zone from 0 to 20 s; a second one walks in at 15 s.
        Run(engine, alerts, engine.Authorisation, 0, 20, t => t < 15 ? [TestData.Track(1, RuleHarness.Inside)] : [TestData.Track(1, RuleHarness.Inside), TestData.Track(2, RuleHarness.Inside)]);

        var start = Assert.Single(alerts, a => a.State == AlertState.Start);
        Assert.True(start.ObservedAt < TestData.At(10));
        var end = Assert.Single(alerts, a => a.State == AlertState.End);
        Assert.Equal(start.AlertId, end.AlertId);
        Assert.Equal(TestData.At(10), end.ObservedAt);
        Assert.Equal(0, engine.OpenAlerts);
    }

    [Fact]
    public void Evaluate_WindowStartsLater_AlertsOnlyFromItsStart()
    {
        var gate = new AuthorisationGate([AuthorisationGateTests.Window("A-1", TestData.At(10), TestData.At(60))]);
        var (engine, alerts) = Engine(gate);

        Run(engine, alerts, engine.Authorisation, 0, 20, _ => [TestData.Track(1, RuleHarness.Inside)]);

        var start = Assert.Single(alerts, a => a.State == AlertState.Start);

        // The condition is measured from the window's start (2 s minimum duration), not from before it.
        Assert.True(start.ObservedAt >= TestData.At(12), $"started at {start.ObservedAt:O}");
    }

    [Fact]
    public void Evaluate_AuthorisedSteadyState_AllocatesNothing()
    {
        var gate = new AuthorisationGate([new AuthorisationWindow("A-1", "PM", [.. Enum.GetValues<EventType>().Select(Vsa.Edge.Configuration.EventTypes.ToWireName)], ["cam-1"], TestData.At(-10), TestData.At(1e6))]);
        var engine = new RuleEngine(RuleEngineTests.AllEight(), TestData.FullManifest(), "dev-1") { Authorisation = new CameraAuthorisation("cam-1", gate, TestData.At(0)) };
        var scene = SteadyScene.Create(50);
        var output = new List<AlertMessage>(16);
        for (var k = 0; k < 200; k++)
        {
            scene.Advance(k * 0.1);
            engine.Authorisation!.Refresh(TestData.At(k * 0.1));
            engine.Evaluate(scene.Observation(k * 0.1), output);
        }

        var windows = new long[3];
        for (var w = 0; w < windows.Length; w++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var k = 200 + (w * 100); k < 300 + (w * 100); k++)
            {
                scene.Advance(k * 0.1);
                engine.Authorisation!.Refresh(TestData.At(k * 0.1));
                engine.Evaluate(scene.Observation(k * 0.1), output);
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(windows.Min() == 0, $"bytes allocated per 100-frame window: {string.Join(", ", windows)}");
        Assert.Empty(output);
    }

    [Fact]
    public void ActiveInputs_OnlyIntrusionAuthorised_NoPoseNorFireCandidatesButStaticRegions()
    {
        var gate = new AuthorisationGate([new AuthorisationWindow("A-1", "PM", ["intrusion", "abandoned_object"], ["cam-1"], TestData.At(0), TestData.At(60))]);
        var engine = new RuleEngine(RuleEngineTests.AllEight(), TestData.FullManifest(), "dev-1") { Authorisation = new CameraAuthorisation("cam-1", gate, TestData.At(0)) };
        var unrestricted = new RuleEngine(RuleEngineTests.AllEight(), TestData.FullManifest(), "dev-1");

        Assert.Equal(RuleInputs.History | RuleInputs.StaticRegions, engine.ActiveInputs);
        Assert.Equal(unrestricted.Inputs, unrestricted.ActiveInputs);
    }

    private static (RuleEngine Engine, List<AlertMessage> Alerts) Engine(AuthorisationGate gate)
    {
        var harness = new RuleHarness(minDurationSeconds: 2);
        var engine = new RuleEngine(harness.Camera, TestData.Manifest(), "dev-1") { Authorisation = new CameraAuthorisation("cam-1", gate, TestData.At(0)) };
        return (engine, []);
    }

    // Ten frames a second; the gate's clock follows the frames (a live camera: frame time is wall-clock time).
    private static void Run(RuleEngine engine, List<AlertMessage> alerts, CameraAuthorisation? gate, double from, double to, Func<double, Track[]> frame)
    {
        for (var k = (int)(from * 10); k < (int)(to * 10); k++)
        {
            var t = k / 10.0;
            gate?.Refresh(TestData.At(t));
            engine.Evaluate(frame(t), TestData.At(t), alerts);
        }
    }
}
