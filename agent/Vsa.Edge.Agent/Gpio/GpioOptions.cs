using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// Enclosure tamper switch, status LED and maintenance switch (configuration section <c>Gpio</c>). Pin numbers are
/// line offsets on <see cref="Chip"/> (<c>gpioinfo</c> lists them; see agent/Vsa.Edge.Agent/Gpio/README.md). A pin left
/// null is not used; a board without GPIO is logged once and the agent runs without these features.
/// </summary>
public sealed class GpioOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Gpio";

    /// <summary>Use GPIO at all. Default true (nothing happens unless a pin is set).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Which driver. Default <see cref="GpioDriverKind.Auto"/> (libgpiod, else sysfs).</summary>
    public GpioDriverKind Driver { get; set; } = GpioDriverKind.Auto;

    /// <summary>The GPIO chip: <c>/dev/gpiochip{Chip}</c>. Default 0.</summary>
    [Range(0, 64)]
    public int Chip { get; set; }

    /// <summary>Input line of the enclosure tamper switch (internal pull-up; the switch closes to ground while the enclosure is shut). Default none.</summary>
    [Range(0, 4095)]
    public int? TamperPin { get; set; }

    /// <summary>Level that means "enclosure open": true (high, the pulled-up line when the switch opens). Default true.</summary>
    public bool TamperOpenHigh { get; set; } = true;

    /// <summary>Output line of the status LED. Default none.</summary>
    [Range(0, 4095)]
    public int? LedPin { get; set; }

    /// <summary>The LED lights when the line is high (false: it is wired to sink current, lit when low). Default true.</summary>
    public bool LedActiveHigh { get; set; } = true;

    /// <summary>Input line of the maintenance switch (internal pull-up). Default none.</summary>
    [Range(0, 4095)]
    public int? MaintenancePin { get; set; }

    /// <summary>Maintenance is on while the line is low (the switch closes to ground). Default true.</summary>
    public bool MaintenanceActiveLow { get; set; } = true;

    /// <summary>
    /// Input line of the local kill switch (internal pull-up): while it is active the whole device does no analysis (no
    /// inference, no rules, open alerts ended as suspended), whatever the fleet says. Default none.
    /// </summary>
    [Range(0, 4095)]
    public int? KillPin { get; set; }

    /// <summary>The kill switch is active while the line is low (the switch closes to ground). Default true.</summary>
    public bool KillActiveLow { get; set; } = true;

    /// <summary>A switch must be steady this long before its change counts (contact bounce lasts a few ms). Default 50 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The configured pins and their roles.</summary>
    public IEnumerable<(string Role, int Pin)> Pins =>
        new (string Role, int? Pin)[] { ("TamperPin", TamperPin), ("LedPin", LedPin), ("MaintenancePin", MaintenancePin), ("KillPin", KillPin) }
            .Where(p => p.Pin is not null)
            .Select(p => (p.Role, p.Pin!.Value));
}

/// <summary>GPIO drivers.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod (character device), else sysfs.</summary>
    Auto,

    /// <summary>libgpiod only.</summary>
    LibGpiod,

    /// <summary>The legacy sysfs interface only.</summary>
    SysFs,

    /// <summary>An in-memory chip (<see cref="SimulatedGpioPins"/>): for a dry run on a machine without GPIO.</summary>
    Simulated,
}

/// <summary>Cross-field check: no line has two roles.</summary>
public sealed class GpioOptionsValidator : IValidateOptions<GpioOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Pins
            .GroupBy(p => p.Pin)
            .Where(g => g.Count() > 1)
            .Select(g => $"Gpio: line {g.Key} is used by {string.Join(" and ", g.Select(p => "Gpio:" + p.Role))}.")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
