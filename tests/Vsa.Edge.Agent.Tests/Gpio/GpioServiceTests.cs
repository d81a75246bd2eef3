using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Tests.Platform;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Gpio;

/// <summary>Tamper switch, status LED and maintenance switch on the simulated chip, time from a FakeTimeProvider.</summary>
public sealed class GpioServiceTests : IDisposable
{
    private const int Tamper = 5;
    private const int Led = 6;
    private const int Maintenance = 13;
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingLoggerProvider _logs = new();
    private readonly SimulatedGpioPins _pins;
    private readonly DeviceEventHub _hub;
    private readonly MaintenanceMode _maintenance;

    public GpioServiceTests()
    {
        _pins = new SimulatedGpioPins(_clock);
        _hub = new DeviceEventHub("pole-12", _clock, NullLogger<DeviceEventHub>.Instance);
        _maintenance = new MaintenanceMode(_hub, NullLogger<MaintenanceMode>.Instance);

        // Enclosure shut and maintenance off: both switches closed to / open from ground as wired on the pole.
        _pins.Drive(Tamper, false);
        _pins.Drive(Maintenance, true);
    }

    public void Dispose() => _logs.Dispose();

    [Fact]
    public void Start_TamperSwitchBouncesWithinTheDebounceWindow_RaisesOneTamperEvent()
    {
        using var gpio = Service(new GpioOptions { TamperPin = Tamper, Debounce = Debounce });
        gpio.Start();

        foreach (var level in new[] { true, false, true, false, true })
        {
            _pins.Drive(Tamper, level);
            _clock.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Empty(Events(DeviceEventKind.Tamper));
        _clock.Advance(Debounce);

        var tamper = Assert.Single(Events(DeviceEventKind.Tamper));
        Assert.Equal("enclosure opened", tamper.Reason);
        Assert.True(gpio.TamperOpen);
        Assert.Equal(DeviceCondition.Error, _hub.Condition);
    }

    [Fact]
    public void Start_BounceThatSettlesBackShut_RaisesNothing()
    {
        using var gpio = Service(new GpioOptions { TamperPin = Tamper, Debounce = Debounce });
        gpio.Start();

        _pins.Drive(Tamper, true);
        _clock.Advance(TimeSpan.FromMilliseconds(3));
        _pins.Drive(Tamper, false);
        _clock.Advance(Debounce * 4);

        Assert.Empty(_hub.Recent);
        Assert.False(gpio.TamperOpen);
    }

    [Fact]
    public void Start_EnclosureClosedAgain_RaisesTamperCleared()
    {
        using var gpio = Service(new GpioOptions { TamperPin = Tamper, Debounce = Debounce });
        gpio.Start();
        _pins.Drive(Tamper, true);
        _clock.Advance(Debounce);

        _pins.Drive(Tamper, false);
        _clock.Advance(Debounce);

        Assert.Equal([DeviceEventKind.Tamper, DeviceEventKind.TamperCleared], _hub.Recent.Select(e => e.Kind));
    }

    [Fact]
    public void Start_EnclosureAlreadyOpen_RaisesTamperAtOnce()
    {
        _pins.Drive(Tamper, true);
        using var gpio = Service(new GpioOptions { TamperPin = Tamper });

        gpio.Start();

        Assert.Equal("enclosure open at start", Assert.Single(Events(DeviceEventKind.Tamper)).Reason);
    }

    [Fact]
    public void Start_Led_BlinksThePatternOfTheDeviceCondition()
    {
        using var gpio = Service(new GpioOptions { LedPin = Led });
        gpio.Start();
        var start = _clock.GetUtcNow();

        // Starting (no camera yet) is degraded: 500 ms on, 500 ms off.
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        _hub.Raise(DeviceEventKind.CameraOnline, "cam-1", null, null);
        var okAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        _clock.Advance(TimeSpan.FromMilliseconds(1900));
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(
            [
                (false, start), (true, start), (false, start.AddMilliseconds(500)), (true, start.AddMilliseconds(1000)),
                (false, start.AddMilliseconds(1500)), (true, start.AddMilliseconds(2000)),
                (true, okAt), (false, okAt.AddMilliseconds(100)), (true, okAt.AddMilliseconds(2000)), (false, okAt.AddMilliseconds(2100)),
            ],
            _pins.Writes.Where(w => w.Pin == Led).Select(w => (w.High, w.At)));
        Assert.Same(LedPattern.Ok, gpio.LedPattern);
    }

    [Fact]
    public async Task Start_LedWithTamper_BlinksFastUntilStopped()
    {
        using var gpio = Service(new GpioOptions { LedPin = Led, TamperPin = Tamper, Debounce = Debounce, LedActiveHigh = false });
        gpio.Start();
        _pins.Drive(Tamper, true);
        _clock.Advance(Debounce);
        var errorAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        await gpio.StopAsync(CancellationToken.None);

        var writes = _pins.Writes.Where(w => w.Pin == Led && w.At >= errorAt).Select(w => w.High).ToList();
        Assert.Equal([false, true, false, true], writes);
        Assert.True(_pins.Writes[^1].High, "active-low LED is off when its line is high");
    }

    [Fact]
    public void Start_MaintenanceSwitchOnThenOff_SuppressesAndCountsAlertsThenReportsThem()
    {
        var sent = new List<AlertMessage>();
        var publisher = new MaintenanceAlertFilter(new ListPublisher(sent), _maintenance);
        using var gpio = Service(new GpioOptions { MaintenancePin = Maintenance, Debounce = Debounce });
        gpio.Start();
        var before = Alert("a0", AlertState.Start);
        publisher.Enqueue(before);

        _pins.Drive(Maintenance, false);
        _clock.Advance(Debounce);
        publisher.Enqueue([Alert("a1", AlertState.Start), Alert("a0", AlertState.End), Alert("a2", AlertState.Start)]);
        publisher.Enqueue(Alert("a1", AlertState.Update));
        _pins.Drive(Maintenance, true);
        _clock.Advance(Debounce);
        publisher.Enqueue(Alert("a1", AlertState.End));
        publisher.Enqueue(Alert("a3", AlertState.Start));

        Assert.Equal(["a0:Start", "a0:End", "a3:Start"], sent.Select(a => $"{a.AlertId}:{a.State}"));
        Assert.Equal(2, _maintenance.SuppressedAlerts);
        Assert.Equal(4, _maintenance.SuppressedMessages);
        Assert.Equal([DeviceEventKind.MaintenanceOn, DeviceEventKind.MaintenanceOff], _hub.Recent.Select(e => e.Kind));
        Assert.Equal(2, _hub.Recent[^1].SuppressedAlerts);
        Assert.False(_maintenance.IsActive);
    }

    [Fact]
    public void Start_NoGpioChip_LogsItAndCarriesOnWithoutOpeningAnything()
    {
        var opened = false;
        using var gpio = new GpioService(
            new GpioOptions { TamperPin = Tamper, LedPin = Led }, new FakeHostFiles(), _hub, _maintenance, _clock, _logs.CreateFactory().CreateLogger<GpioService>(), _ => { opened = true; return _pins; });

        gpio.Start();

        Assert.False(opened);
        Assert.Null(gpio.Driver);
        Assert.Null(gpio.TamperOpen);
        var line = Assert.Single(_logs.Entries, e => e.EventId == 6100);
        Assert.Contains("no /dev/gpiochip*", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ThisMachineWithTheRealDriver_DoesNotThrow()
    {
        using var gpio = new GpioService(
            new GpioOptions { TamperPin = Tamper, LedPin = Led, MaintenancePin = Maintenance }, HostFiles.Instance, _hub, _maintenance, _clock, _logs.CreateFactory().CreateLogger<GpioService>());

        gpio.Start();
        await gpio.StopAsync(CancellationToken.None);

        Assert.Contains(_logs.Entries, e => e.EventId is 6100 or 6101);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error && Directory.GetFiles("/dev", "gpiochip*").Length == 0);
    }

    [Fact]
    public void Start_OneLineCannotBeOpened_LogsItAndRunsTheOthers()
    {
        var pins = new FailingPins(_pins, failing: Led);
        using var gpio = new GpioService(
            new GpioOptions { TamperPin = Tamper, LedPin = Led, Debounce = Debounce }, FakeHostFiles.Jetson(), _hub, _maintenance, _clock, _logs.CreateFactory().CreateLogger<GpioService>(), _ => pins);

        gpio.Start();
        _pins.Drive(Tamper, true);
        _clock.Advance(Debounce);

        Assert.Contains("LedPin line 6 cannot be used", Assert.Single(_logs.Entries, e => e.EventId == 6102).Message, StringComparison.Ordinal);
        Assert.Single(Events(DeviceEventKind.Tamper));
    }

    [Fact]
    public void Validate_SameLineForTwoRoles_FailsNamingBoth()
    {
        var result = new GpioOptionsValidator().Validate(null, new GpioOptions { TamperPin = 5, MaintenancePin = 5 });

        Assert.True(result.Failed);
        Assert.Contains("Gpio:TamperPin and Gpio:MaintenancePin", result.FailureMessage, StringComparison.Ordinal);
    }

    private GpioService Service(GpioOptions options) =>
        new(options, FakeHostFiles.Jetson(), _hub, _maintenance, _clock, _logs.CreateFactory().CreateLogger<GpioService>(), _ => _pins);

    private List<DeviceEvent> Events(DeviceEventKind kind) => [.. _hub.Recent.Where(e => e.Kind == kind)];

    private static AlertMessage Alert(string alertId, AlertState state) => new(
        AlertMessage.SchemaId, AlertMessage.CurrentVersion, Guid.NewGuid().ToString(), alertId, state == AlertState.Start ? 0 : 1, "pole-12", "cam-1",
        EventType.Intrusion, state, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, state == AlertState.End ? DateTimeOffset.UnixEpoch : null,
        "zone-1", 0.8, null, [], new ModelRef("nanodet-coco", "1"));

    private sealed class ListPublisher(List<AlertMessage> sent) : Agent.Outbox.IAlertSink
    {
        public void Enqueue(AlertMessage alert) => sent.Add(alert);

        public void Enqueue(IReadOnlyList<AlertMessage> alerts) => sent.AddRange(alerts);
    }

    private sealed class FailingPins(IGpioPins inner, int failing) : IGpioPins
    {
        public string Description => inner.Description;

        public bool OpenInput(int pin, bool pullUp) => pin == failing ? throw new IOException("Device or resource busy") : inner.OpenInput(pin, pullUp);

        public void OpenOutput(int pin, bool high)
        {
            if (pin == failing)
            {
                throw new IOException("Device or resource busy");
            }

            inner.OpenOutput(pin, high);
        }

        public bool Read(int pin) => inner.Read(pin);

        public void Write(int pin, bool high) => inner.Write(pin, high);

        public IDisposable OnEdge(int pin, Action<bool> changed) => inner.OnEdge(pin, changed);

        public void Dispose() => inner.Dispose();
    }
}
