namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// The agent's small seam over one GPIO chip: just what the tamper switch, the status LED and the maintenance switch
/// need. Pin numbers are the chip's line offsets (<c>gpioinfo</c> lists them). Two implementations: the real one over
/// System.Device.Gpio's <c>GpioController</c> (<see cref="GpioControllerPins"/>), and <see cref="SimulatedGpioPins"/>.
/// </summary>
public interface IGpioPins : IDisposable
{
    /// <summary>What drives the pins, for logs ("libgpiod gpiochip0", "simulated").</summary>
    string Description { get; }

    /// <summary>
    /// Opens <paramref name="pin"/> as an input, with the internal pull-up when <paramref name="pullUp"/>; returns false
    /// when a pull-up was asked for but the line cannot be biased (it is then a plain input: fit an external resistor).
    /// </summary>
    bool OpenInput(int pin, bool pullUp);

    /// <summary>Opens <paramref name="pin"/> as an output driven to <paramref name="high"/>.</summary>
    void OpenOutput(int pin, bool high);

    /// <summary>The level of an open pin: true is high.</summary>
    bool Read(int pin);

    /// <summary>Drives an output pin.</summary>
    void Write(int pin, bool high);

    /// <summary>
    /// Calls <paramref name="changed"/> with the new level on every edge of an input pin (interrupt-driven, on the
    /// driver's thread: keep it short). Dispose the result to stop.
    /// </summary>
    IDisposable OnEdge(int pin, Action<bool> changed);
}
