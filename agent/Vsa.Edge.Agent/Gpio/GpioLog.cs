using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>GPIO log messages (event ids 6100–6199).</summary>
internal static partial class GpioLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "GPIO: no GPIO on this board ({Reason}); tamper switch, status LED and maintenance switch are disabled")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "GPIO: {Driver}; tamper {TamperPin}, LED {LedPin}, maintenance {MaintenancePin}")]
    public static partial void Started(ILogger logger, string driver, int? tamperPin, int? ledPin, int? maintenancePin);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "GPIO: {Role} line {Pin} cannot be used, running without it: {Reason}")]
    public static partial void PinFailed(ILogger logger, string role, int pin, string reason);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "GPIO: {Role} line {Pin} cannot take the internal pull-up; fit an external pull-up resistor or the input floats")]
    public static partial void NoPullUp(ILogger logger, string role, int pin);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Maintenance on ({Reason}): alerts are counted, not sent")]
    public static partial void MaintenanceOn(ILogger logger, string reason);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Maintenance off ({Reason}): alerts are sent again; {Suppressed} suppressed meanwhile")]
    public static partial void MaintenanceOff(ILogger logger, string reason, long suppressed);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Information, Message = "GPIO: disabled by configuration (Gpio:Enabled=false)")]
    public static partial void Disabled(ILogger logger);
}
