using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// Runs the enclosure tamper switch (raises <c>tamper</c> / <c>tamper_cleared</c>), the status LED (shows the
/// device's <see cref="DeviceCondition"/>) and the maintenance switch (<see cref="MaintenanceMode"/>). A board without
/// GPIO, or a line that cannot be opened, is logged and skipped: GPIO never stops the agent.
/// </summary>
public sealed class GpioService : IHostedService, IDisposable
{
    private readonly GpioOptions _options;
    private readonly IHostFiles _files;
    private readonly DeviceEventHub _hub;
    private readonly MaintenanceMode _maintenance;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<GpioOptions, IGpioPins> _openPins;
    private readonly List<IDisposable> _parts = [];
    private IGpioPins? _pins;
    private DebouncedInput? _tamper;
    private StatusLed? _led;

    public GpioService(
        GpioOptions options,
        IHostFiles files,
        DeviceEventHub hub,
        MaintenanceMode maintenance,
        TimeProvider time,
        ILogger<GpioService> logger,
        Func<GpioOptions, IGpioPins>? openPins = null)
    {
        _options = options;
        _files = files;
        _hub = hub;
        _maintenance = maintenance;
        _time = time;
        _logger = logger;
        _openPins = openPins ?? (o => o.Driver == GpioDriverKind.Simulated ? new SimulatedGpioPins(time) : GpioControllerPins.Open(o.Chip, o.Driver));
    }

    /// <summary>What the local kill switch (<see cref="GpioOptions.KillPin"/>) suspends; null: the kill switch is not wired.</summary>
    public Vsa.Edge.Agent.Suspension.AgentSuspension? Suspension { get; init; }

    /// <summary>The driver in use, or null when GPIO is off or absent.</summary>
    public string? Driver => _pins?.Description;

    /// <summary>Whether the enclosure is open now; null without a tamper switch.</summary>
    public bool? TamperOpen => _tamper?.IsActive;

    /// <summary>The LED's current pattern; null without a LED.</summary>
    internal LedPattern? LedPattern => _led?.Pattern;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _led?.Off();
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Opens the chip and the configured lines; logs and carries on without whatever is missing.</summary>
    public void Start()
    {
        if (!_options.Enabled)
        {
            GpioLog.Disabled(_logger);
            return;
        }

        if (!_options.Pins.Any())
        {
            return;
        }

        if (Absent() is { } reason)
        {
            GpioLog.Unavailable(_logger, reason);
            return;
        }

        try
        {
            _pins = _openPins(_options);
        }
        catch (PlatformNotSupportedException ex)
        {
            GpioLog.Unavailable(_logger, ex.Message);
            return;
        }

        // The LED first, so the state the switches report at start shows at once.
        _led = Use("LedPin", _options.LedPin, pin => new StatusLed(_pins, pin, _options.LedActiveHigh, _time));
        if (_led is not null)
        {
            _led.Show(LedPattern.For(_hub.Condition));
            _parts.Add(_hub.OnConditionChanged(c => _led.Show(LedPattern.For(c))));
        }

        _tamper = Use("TamperPin", _options.TamperPin, pin => new DebouncedInput(_pins, pin, _options.TamperOpenHigh, _options.Debounce, _time, OnTamper));
        if (_tamper?.IsActive == true)
        {
            _hub.Raise(DeviceEventKind.Tamper, null, "enclosure open at start", null);
        }

        var maintenance = Use("MaintenancePin", _options.MaintenancePin, pin => new DebouncedInput(_pins, pin, !_options.MaintenanceActiveLow, _options.Debounce, _time, on => _maintenance.Set(on, "maintenance switch")));
        if (maintenance?.IsActive == true)
        {
            _maintenance.Set(true, "maintenance switch on at start");
        }

        StartKill();
        GpioLog.Started(_logger, _pins.Description, _options.TamperPin, _options.LedPin, _options.MaintenancePin);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var part in Enumerable.Reverse(_parts))
        {
            part.Dispose();
        }

        _parts.Clear();
        _pins?.Dispose();
    }

    // The kill switch follows the line: on suspends the whole device, off gives it back to the fleet's state. Turning the
    // switch off is the explicit, physical resumption.
    private void StartKill()
    {
        if (Suspension is not { } suspension)
        {
            return;
        }

        var kill = Use("KillPin", _options.KillPin, pin => new DebouncedInput(_pins!, pin, !_options.KillActiveLow, _options.Debounce, _time, on => SetKill(suspension, on, on ? "kill switch turned on" : "kill switch turned off")));
        if (kill?.IsActive == true)
        {
            SetKill(suspension, true, "kill switch on at start");
        }
    }

    private void SetKill(Vsa.Edge.Agent.Suspension.AgentSuspension suspension, bool on, string what)
    {
        suspension.SetLocalKill(on);
        Vsa.Edge.Agent.Suspension.SuspensionLog.LocalKill(_logger, on ? "on" : "off", what);
    }

    private void OnTamper(bool open) =>
        _hub.Raise(open ? DeviceEventKind.Tamper : DeviceEventKind.TamperCleared, null, open ? "enclosure opened" : "enclosure closed", null);

    // Opens one line; a line that is missing, busy or not permitted is logged and left out.
    private T? Use<T>(string role, int? pin, Func<int, T> open)
        where T : class, IDisposable
    {
        if (pin is not { } line)
        {
            return null;
        }

        try
        {
            var part = open(line);
            _parts.Add(part);
            if (part is DebouncedInput { PullUpApplied: false })
            {
                GpioLog.NoPullUp(_logger, role, line);
            }

            return part;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            GpioLog.PinFailed(_logger, role, line, ex.Message);
            return null;
        }
    }

    private string? Absent() => _options.Driver switch
    {
        GpioDriverKind.Simulated => null,
        GpioDriverKind.SysFs => _files.List("/sys/class/gpio", "export").Count > 0 ? null : "no /sys/class/gpio/export",
        _ => _files.List("/dev", "gpiochip*").Count > 0 ? null : "no /dev/gpiochip*",
    };
}
