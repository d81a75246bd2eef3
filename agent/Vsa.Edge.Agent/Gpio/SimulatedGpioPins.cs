namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// An in-memory GPIO chip for tests and for running the agent on a machine without GPIO (<c>Gpio:Driver=Simulated</c>).
/// Inputs float low, or high with the pull-up; <see cref="Drive"/> plays a switch; <see cref="Wire"/> connects an
/// output to an input (a loopback jumper); every output write is recorded with its time.
/// </summary>
public sealed class SimulatedGpioPins(TimeProvider? time = null) : IGpioPins
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Line> _lines = [];
    private readonly List<OutputWrite> _writes = [];

    /// <inheritdoc />
    public string Description => "simulated";

    /// <summary>Whether inputs can take the internal pull-up (some Jetson lines cannot). Default true.</summary>
    public bool SupportsPullUp { get; init; } = true;

    /// <summary>Every output level written (including the level an output was opened with), oldest first.</summary>
    public IReadOnlyList<OutputWrite> Writes
    {
        get
        {
            lock (_gate)
            {
                return [.. _writes];
            }
        }
    }

    /// <inheritdoc />
    public bool OpenInput(int pin, bool pullUp)
    {
        lock (_gate)
        {
            var line = Open(pin);
            line.IsOutput = false;
            line.PullUp = pullUp && SupportsPullUp;
            line.LastSeen = LevelOf(line);
            return !pullUp || SupportsPullUp;
        }
    }

    /// <inheritdoc />
    public void OpenOutput(int pin, bool high)
    {
        lock (_gate)
        {
            var line = Open(pin);
            line.IsOutput = true;
            line.Driven = high;
            _writes.Add(new OutputWrite(pin, high, _time.GetUtcNow()));
        }

        Propagate(pin);
    }

    /// <inheritdoc />
    public bool Read(int pin)
    {
        lock (_gate)
        {
            return LevelOf(Get(pin));
        }
    }

    /// <inheritdoc />
    public void Write(int pin, bool high)
    {
        lock (_gate)
        {
            var line = Get(pin);
            if (!line.IsOutput)
            {
                throw new InvalidOperationException($"GPIO {pin} is an input.");
            }

            line.Driven = high;
            _writes.Add(new OutputWrite(pin, high, _time.GetUtcNow()));
        }

        Propagate(pin);
    }

    /// <inheritdoc />
    public IDisposable OnEdge(int pin, Action<bool> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_gate)
        {
            Get(pin).Callbacks.Add(changed);
        }

        return new Registration(this, pin, changed);
    }

    /// <summary>An external signal on an input (a switch closing to ground is <c>false</c>); edges fire as on hardware.</summary>
    public void Drive(int pin, bool? high)
    {
        lock (_gate)
        {
            Open(pin).External = high;
        }

        Fire(pin);
    }

    /// <summary>Connects output <paramref name="output"/> to input <paramref name="input"/>: the input follows it.</summary>
    public void Wire(int output, int input)
    {
        lock (_gate)
        {
            Open(output).WiredTo.Add(input);
        }

        Propagate(output);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _lines.Clear();
        }
    }

    private Line Open(int pin)
    {
        if (!_lines.TryGetValue(pin, out var line))
        {
            line = new Line();
            _lines[pin] = line;
        }

        return line;
    }

    private Line Get(int pin) =>
        _lines.TryGetValue(pin, out var line) ? line : throw new InvalidOperationException($"GPIO {pin} is not open.");

    private static bool LevelOf(Line line) => line.IsOutput ? line.Driven : line.External ?? line.PullUp;

    private void Propagate(int output)
    {
        int[] targets;
        bool level;
        lock (_gate)
        {
            var line = Get(output);
            targets = [.. line.WiredTo];
            level = line.Driven;
            foreach (var input in targets)
            {
                Open(input).External = level;
            }
        }

        foreach (var input in targets)
        {
            Fire(input);
        }
    }

    // Calls the edge callbacks outside the lock when the level changed, like a driver's event thread would.
    private void Fire(int pin)
    {
        Action<bool>[] callbacks;
        bool level;
        lock (_gate)
        {
            var line = Open(pin);
            level = LevelOf(line);
            if (line.LastSeen == level)
            {
                return;
            }

            line.LastSeen = level;
            callbacks = [.. line.Callbacks];
        }

        foreach (var callback in callbacks)
        {
            callback(level);
        }
    }

    /// <summary>One output write.</summary>
    /// <param name="Pin">The pin.</param>
    /// <param name="High">The level written.</param>
    /// <param name="At">When (from the simulator's clock).</param>
    public readonly record struct OutputWrite(int Pin, bool High, DateTimeOffset At);

    private sealed class Line
    {
        public bool IsOutput { get; set; }

        public bool PullUp { get; set; }

        public bool Driven { get; set; }

        public bool? External { get; set; }

        public bool? LastSeen { get; set; }

        public List<Action<bool>> Callbacks { get; } = [];

        public List<int> WiredTo { get; } = [];
    }

    private sealed class Registration(SimulatedGpioPins owner, int pin, Action<bool> callback) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                if (owner._lines.TryGetValue(pin, out var line))
                {
                    line.Callbacks.Remove(callback);
                }
            }
        }
    }
}
