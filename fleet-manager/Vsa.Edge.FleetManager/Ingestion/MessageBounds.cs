namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The most each list and string of a device message may hold, checked at decoding (<see cref="MessageChecks"/>): generous
/// for what an agent sends (a pole has two to eight cameras), finite against a device that fills the fleet's disk with one
/// message after another. Beyond a bound the message is refused as <see cref="RejectReason.InvalidContent"/>, naming the field.
/// </summary>
public static class MessageBounds
{
    /// <summary>Cameras in a heartbeat or a configuration report. A pole has two to eight.</summary>
    public const int MaxCameras = 64;

    /// <summary>Detected objects in one alert message.</summary>
    public const int MaxObjects = 256;

    /// <summary>Thermal zones in a heartbeat's resources (a Jetson has about ten).</summary>
    public const int MaxThermalZones = 64;

    /// <summary>Errors in a configuration report.</summary>
    public const int MaxErrors = Vsa.Edge.Contracts.ReportedConfigMessage.MaxErrors;

    /// <summary>Characters of one error in a configuration report.</summary>
    public const int MaxErrorLength = Vsa.Edge.Contracts.ReportedConfigMessage.MaxErrorLength;

    /// <summary>Authorisation windows in a configuration report.</summary>
    public const int MaxAuthorisations = 256;

    /// <summary>Events, or cameras, named by one authorisation window.</summary>
    public const int MaxWindowEntries = 64;

    /// <summary>Characters of a short text: versions, execution provider, class, zone, measurement name and unit, references.</summary>
    public const int MaxTextLength = 256;

    /// <summary>Characters of a device event's reason.</summary>
    public const int MaxReasonLength = 1024;

    /// <summary>Null when <paramref name="count"/> is within <paramref name="max"/>, else the problem naming <paramref name="field"/>.</summary>
    internal static string? Count(int count, int max, string field) =>
        count <= max ? null : $"{field} holds {count} entries, at most {max} are accepted";

    /// <summary>Null when <paramref name="value"/> is null or within <paramref name="max"/> characters, else the problem.</summary>
    internal static string? Text(string? value, int max, string field) =>
        value is null || value.Length <= max ? null : $"{field} is longer than {max} characters";
}
