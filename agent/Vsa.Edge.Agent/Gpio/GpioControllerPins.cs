using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// <see cref="IGpioPins"/> over System.Device.Gpio: the libgpiod character-device driver on <c>/dev/gpiochipN</c>
/// (Jetson, Raspberry Pi; needs the libgpiod2 package), else the legacy sysfs driver.
/// </summary>
public sealed class GpioControllerPins : IGpioPins
{
    private readonly GpioController _controller;

    private GpioControllerPins(GpioController controller, string description)
    {
        _controller = controller;
        Description = description;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Opens chip <paramref name="chip"/> through libgpiod, or sysfs when libgpiod is missing or <paramref name="driver"/> asks for it.</summary>
    /// <exception cref="PlatformNotSupportedException">Neither driver can be used here.</exception>
    public static GpioControllerPins Open(int chip, GpioDriverKind driver)
    {
        Exception? libgpiodFailure = null;
        if (driver is GpioDriverKind.Auto or GpioDriverKind.LibGpiod)
        {
            try
            {
                return new GpioControllerPins(new GpioController(new LibGpiodDriver(chip)), $"libgpiod gpiochip{chip}");
            }
            catch (Exception ex) when (ex is DllNotFoundException or PlatformNotSupportedException or IOException or InvalidOperationException or ArgumentException or EntryPointNotFoundException)
            {
                if (driver == GpioDriverKind.LibGpiod)
                {
                    throw new PlatformNotSupportedException($"libgpiod cannot open gpiochip{chip}: {ex.Message}", ex);
                }

                libgpiodFailure = ex;
            }
        }

        try
        {
            return new GpioControllerPins(new GpioController(new SysFsDriver()), "sysfs /sys/class/gpio");
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            var reason = libgpiodFailure is null ? ex.Message : $"libgpiod: {libgpiodFailure.Message}; sysfs: {ex.Message}";
            throw new PlatformNotSupportedException($"No GPIO driver works here ({reason}).", ex);
        }
    }

    /// <inheritdoc />
    public bool OpenInput(int pin, bool pullUp)
    {
        if (pullUp && _controller.IsPinModeSupported(pin, PinMode.InputPullUp))
        {
            _controller.OpenPin(pin, PinMode.InputPullUp);
            return true;
        }

        _controller.OpenPin(pin, PinMode.Input);
        return !pullUp;
    }

    /// <inheritdoc />
    public void OpenOutput(int pin, bool high) => _controller.OpenPin(pin, PinMode.Output, high ? PinValue.High : PinValue.Low);

    /// <inheritdoc />
    public bool Read(int pin) => _controller.Read(pin) == PinValue.High;

    /// <inheritdoc />
    public void Write(int pin, bool high) => _controller.Write(pin, high ? PinValue.High : PinValue.Low);

    /// <inheritdoc />
    public IDisposable OnEdge(int pin, Action<bool> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        void Handler(object sender, PinValueChangedEventArgs e) => changed(e.ChangeType == PinEventTypes.Rising);
        _controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, Handler);
        return new Registration(() => _controller.UnregisterCallbackForPinValueChangedEvent(pin, Handler));
    }

    /// <inheritdoc />
    public void Dispose() => _controller.Dispose();

    private sealed class Registration(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}
