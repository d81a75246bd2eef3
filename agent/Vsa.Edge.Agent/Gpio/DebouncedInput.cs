namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// A mechanical switch on an input pin, debounced by time: every edge (interrupt) restarts a
/// <see cref="TimeProvider"/> timer, and only when the line has been quiet for the debounce window is it read and,
/// if it differs from the last stable level, reported. Contact bounce inside the window therefore gives one change;
/// the level is read when it settles, so a missed edge cannot leave the state wrong.
/// </summary>
internal sealed class DebouncedInput : IDisposable
{
    private readonly IGpioPins _pins;
    private readonly int _pin;
    private readonly bool _activeHigh;
    private readonly TimeSpan _window;
    private readonly Action<bool> _changed;
    private readonly Lock _gate = new();
    private readonly ITimer _settle;
    private readonly IDisposable _edges;
    private bool _active;
    private bool _disposed;

    /// <summary>Opens <paramref name="pin"/> (pull-up) and starts watching it; <paramref name="changed"/> gets the new active state.</summary>
    public DebouncedInput(IGpioPins pins, int pin, bool activeHigh, TimeSpan window, TimeProvider time, Action<bool> changed)
    {
        _pins = pins;
        _pin = pin;
        _activeHigh = activeHigh;
        _window = window;
        _changed = changed;
        PullUpApplied = pins.OpenInput(pin, pullUp: true);
        _active = pins.Read(pin) == activeHigh;
        _settle = time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _edges = pins.OnEdge(pin, _ => Bounce());
    }

    /// <summary>Whether the internal pull-up could be set (false: the line needs an external resistor).</summary>
    public bool PullUpApplied { get; }

    /// <summary>The last stable state: true when the switch is in its active position.</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _edges.Dispose();
        _settle.Dispose();
    }

    private void Bounce()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _settle.Change(_window, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Settle()
    {
        bool active;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            active = _pins.Read(_pin) == _activeHigh;
            if (active == _active)
            {
                return;
            }

            _active = active;
        }

        _changed(active);
    }
}
