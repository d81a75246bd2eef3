using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// The self-test's switches and LED, through the agent's own GPIO seam (<see cref="IGpioPins"/>): the installer is asked to
/// toggle the tamper switch and the maintenance switch (each must change level within <see cref="ToggleTimeout"/>), and to
/// confirm the LED shows each pattern. Without prompts (<c>--no-prompt</c>) each is a warn "not checked".
/// </summary>
public sealed class SelfTestGpio(IPreflightSystem system, TerminalOutput terminal, TextReader stdin)
{
    /// <summary>How long the installer has to toggle a switch.</summary>
    public static readonly TimeSpan ToggleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The checks of the tamper switch, the maintenance switch and the LED.</summary>
    public async Task<IReadOnlyList<InstallationCheck>> RunAsync(GpioOptions options, bool prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var wired = new (string Id, string What, int? Pin)[] { ("gpio.tamper", "tamper switch", options.TamperPin), ("gpio.maintenance", "maintenance switch", options.MaintenancePin), ("gpio.led", "status LED", options.LedPin) };
        if (!options.Enabled || wired.All(w => w.Pin is null))
        {
            return [PreflightChecks.NotChecked("gpio.switches", "no tamper switch, maintenance switch or LED configured", "wire them and set Gpio:TamperPin, MaintenancePin and LedPin")];
        }

        if (!prompt)
        {
            return [.. wired.Where(w => w.Pin is not null).Select(w => PreflightChecks.NotChecked(w.Id, $"{w.What} not toggled (--no-prompt)", "rerun the self-test at the pole without --no-prompt"))];
        }

        IGpioPins pins;
        try
        {
            pins = system.OpenGpio(options);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return [PreflightChecks.Fail("gpio.switches", $"GPIO chip {options.Chip} cannot be opened: {PreflightChecks.OneLine(ex.Message)}", "check /dev/gpiochip* exists and the user is in the gpio group")];
        }

        using (pins)
        {
            var checks = new List<InstallationCheck>();
            if (options.TamperPin is { } tamper)
            {
                checks.Add(await ToggleAsync(pins, "gpio.tamper", "open the enclosure door (tamper switch), then close it", tamper, cancellationToken).ConfigureAwait(false));
            }

            if (options.MaintenancePin is { } maintenance)
            {
                checks.Add(await ToggleAsync(pins, "gpio.maintenance", "turn the maintenance switch on, then off", maintenance, cancellationToken).ConfigureAwait(false));
            }

            if (options.LedPin is { } led)
            {
                checks.Add(await LedAsync(pins, options, led, cancellationToken).ConfigureAwait(false));
            }

            return checks;
        }
    }

    private async Task<InstallationCheck> ToggleAsync(IGpioPins pins, string id, string action, int pin, CancellationToken cancellationToken)
    {
        pins.OpenInput(pin, pullUp: true);
        var before = pins.Read(pin);
        var edges = 0;
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = pins.OnEdge(pin, level =>
        {
            // Toggled there and back: at least two edges ending on the first level.
            if (Interlocked.Increment(ref edges) >= 2 && level == before)
            {
                back.TrySetResult();
            }
        });
        terminal.Note($"→ now {action} (within {ToggleTimeout.TotalSeconds:0} s)");
        try
        {
            await back.Task.WaitAsync(ToggleTimeout, system.Time, cancellationToken).ConfigureAwait(false);
            return PreflightChecks.Pass(id, $"line {pin} changed and came back");
        }
        catch (TimeoutException)
        {
            return Volatile.Read(ref edges) == 0
                ? PreflightChecks.Fail(id, $"line {pin} never changed in {ToggleTimeout.TotalSeconds:0} s", "check the switch's wiring and the Gpio pin number (gpioinfo, gpiomon)")
                : PreflightChecks.Fail(id, $"line {pin} changed but did not come back", "check the switch returns (a loose contact bounces; a stuck one stays)");
        }
    }

    private async Task<InstallationCheck> LedAsync(IGpioPins pins, GpioOptions options, int pin, CancellationToken cancellationToken)
    {
        using var led = new StatusLed(pins, pin, options.LedActiveHigh, system.Time);
        var patterns = new (string Name, LedPattern Pattern)[] { ("ok: a short blink every 2 s", LedPattern.Ok), ("degraded: 1 blink a second", LedPattern.Degraded), ("error: fast blinking", LedPattern.Error) };
        var missed = new List<string>();
        foreach (var (name, pattern) in patterns)
        {
            led.Show(pattern);
            terminal.Note($"→ the LED shows \"{name}\": is that what you see? [y/n]");
            var answer = await stdin.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(answer?.Trim(), "y", StringComparison.OrdinalIgnoreCase))
            {
                missed.Add(name.Split(':')[0]);
            }
        }

        led.Off();
        return missed.Count == 0
            ? PreflightChecks.Pass("gpio.led", "ok, degraded and error patterns seen")
            : PreflightChecks.Fail("gpio.led", $"not seen: {string.Join(", ", missed)}", "check the LED's wiring, polarity (Gpio:LedActiveHigh) and pin number");
    }
}
