using Vsa.Edge.Agent.DeviceEvents;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// A blink pattern: a cycle of (lit, duration) steps. Every pattern blinks, so a LED frozen on or off means the agent
/// itself is not running.
/// </summary>
/// <param name="Steps">The cycle; at least one step, each longer than zero.</param>
public sealed record LedPattern(IReadOnlyList<(bool Lit, TimeSpan Duration)> Steps)
{
    /// <summary>OK: a 100 ms heartbeat flash every 2 s.</summary>
    public static LedPattern Ok { get; } = new([(true, TimeSpan.FromMilliseconds(100)), (false, TimeSpan.FromMilliseconds(1900))]);

    /// <summary>Degraded (starting, a camera offline, maintenance): slow blink, 500 ms on / 500 ms off.</summary>
    public static LedPattern Degraded { get; } = new([(true, TimeSpan.FromMilliseconds(500)), (false, TimeSpan.FromMilliseconds(500))]);

    /// <summary>Error (enclosure open, every camera offline): fast blink, 100 ms on / 100 ms off.</summary>
    public static LedPattern Error { get; } = new([(true, TimeSpan.FromMilliseconds(100)), (false, TimeSpan.FromMilliseconds(100))]);

    /// <summary>The pattern that shows <paramref name="condition"/>.</summary>
    public static LedPattern For(DeviceCondition condition) => condition switch
    {
        DeviceCondition.Ok => Ok,
        DeviceCondition.Degraded => Degraded,
        _ => Error,
    };
}

/// <summary>Drives the status LED through a <see cref="TimeProvider"/> timer (one timer, rescheduled at each step).</summary>
internal sealed class StatusLed : IDisposable
{
    private readonly IGpioPins _pins;
    private readonly int _pin;
    private readonly bool _activeHigh;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private LedPattern? _pattern;
    private int _step;
    private bool _disposed;

    public StatusLed(IGpioPins pins, int pin, bool activeHigh, TimeProvider time)
    {
        _pins = pins;
        _pin = pin;
        _activeHigh = activeHigh;
        pins.OpenOutput(pin, !activeHigh);
        _timer = time.CreateTimer(_ => Next(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The pattern shown now (null: off).</summary>
    public LedPattern? Pattern
    {
        get
        {
            lock (_gate)
            {
                return _pattern;
            }
        }
    }

    /// <summary>Starts <paramref name="pattern"/> from its first step (no-op when it is already shown).</summary>
    public void Show(LedPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        lock (_gate)
        {
            if (_disposed || ReferenceEquals(pattern, _pattern))
            {
                return;
            }

            _pattern = pattern;
            _step = 0;
            Apply();
        }
    }

    /// <summary>Turns the LED off and stops blinking (the agent is stopping).</summary>
    public void Off()
    {
        lock (_gate)
        {
            _pattern = null;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!_disposed)
            {
                _pins.Write(_pin, !_activeHigh);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _pattern = null;
        }

        _timer.Dispose();
    }

    private void Next()
    {
        lock (_gate)
        {
            if (_disposed || _pattern is null)
            {
                return;
            }

            _step = (_step + 1) % _pattern.Steps.Count;
            Apply();
        }
    }

    // Under the lock: write the step's level and schedule the next step.
    private void Apply()
    {
        var (lit, duration) = _pattern!.Steps[_step];
        _pins.Write(_pin, lit == _activeHigh);
        _timer.Change(_pattern.Steps.Count > 1 ? duration : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}
