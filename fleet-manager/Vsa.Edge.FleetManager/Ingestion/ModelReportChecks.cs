using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The content rules of a model report (<see cref="ModelReportedMessage"/>), hostile input like every device message: ids
/// within bounds and free of topic characters, a known kind at most once, versions and hashes in their shapes, a known
/// update state, a reason only short text, figures finite and not negative, every timestamp in the window.
/// </summary>
internal static class ModelReportChecks
{
    /// <summary>Model kinds a device may run (one entry each).</summary>
    public const int MaxModels = 8;

    public static (RejectReason Reason, string Detail)? Check(ModelReportedMessage m, TimeWindow window)
    {
        var problem = Id(m.DeviceId, "deviceId")
            ?? (m.At == default ? "at is missing" : null)
            ?? (m.Models is null ? "models is required (may be empty)" : null)
            ?? MessageBounds.Count(m.Models!.Count, MaxModels, "models");
        for (var i = 0; problem is null && i < m.Models!.Count; i++)
        {
            problem = Slot(m.Models[i], $"models[{i}]");
        }

        problem ??= m.Models!.GroupBy(s => s.Kind, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? $"models: kind '{twice.Key}' is reported more than once"
            : null;
        if (problem is not null)
        {
            return (RejectReason.InvalidContent, problem);
        }

        return window.Check(m.At, "at") ?? m.Models!.Select((s, i) => s.Update is { } u ? window.Check(u.At, $"models[{i}].update.at") : null).FirstOrDefault(p => p is not null);
    }

    /// <summary>
    /// The update state's enum carries its own converter (contracts), which also reads integers: the fleet reads enums only by
    /// their names (<see cref="WireJson"/>), so a numeric <c>state</c> anywhere is refused before decoding. Null when none.
    /// </summary>
    public static string? NumericState(ReadOnlySpan<byte> payload)
    {
        var reader = new System.Text.Json.Utf8JsonReader(payload, new System.Text.Json.JsonReaderOptions { MaxDepth = WireJson.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.ValueTextEquals("state"u8)
                    && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.Number)
                {
                    return "update.state must be a state name (pending, downloading, …), not a number";
                }
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null; // malformed: the decoder names it
        }

        return null;
    }

    private static string? Slot(ModelSlotReport? s, string at) => s is null ? $"{at} is null"
        : (s.Kind is not ("detector" or "pose") ? $"{at}.kind is not detector or pose" : null)
            ?? Id(s.ActiveId, $"{at}.activeId")
            ?? Version(s.ActiveVersion, $"{at}.activeVersion", required: true)
            ?? Sha(s.ActiveSha256, $"{at}.activeSha256")
            ?? Version(s.PreviousVersion, $"{at}.previousVersion", required: false)
            ?? Update(s.Update, $"{at}.update");

    private static string? Update(ModelUpdateReport? u, string at) => u is null ? null
        : Id(u.Id, $"{at}.id")
            ?? Version(u.Version, $"{at}.version", required: true)
            ?? (u.Sha256 is null ? $"{at}.sha256 is required" : u.Version == DesiredModel.FactoryVersion && u.Sha256.Length == 0 ? null : Sha(u.Sha256, $"{at}.sha256"))
            ?? (!Enum.IsDefined(u.State) ? $"{at}.state is not an update state" : null)
            ?? (u.At == default ? $"{at}.at is missing" : null)
            ?? MessageBounds.Text(u.Reason, MessageBounds.MaxReasonLength, $"{at}.reason")
            ?? (u.Reason is not null && u.Reason.Any(c => char.IsControl(c) && c is not ('\n' or '\t')) ? $"{at}.reason contains a control character" : null)
            ?? (u.State is ModelUpdateState.Failed or ModelUpdateState.RolledBack && string.IsNullOrWhiteSpace(u.Reason) ? $"{at}.reason is required when the update {(u.State == ModelUpdateState.Failed ? "failed" : "was rolled back")}" : null)
            ?? (u.RolloutId is not null ? Id(u.RolloutId, $"{at}.rolloutId") : null)
            ?? Figures(u.Figures, $"{at}.figures");

    private static string? Figures(ModelUpdateFigures? f, string at) => f is null ? null
        : (f.BytesDownloaded is < 0 || f.BytesResumedFrom is < 0 || f.FramesLost is < 0 ? $"{at}: byte and frame counts must not be negative" : null)
            ?? Figure(f.SessionLoadMs, $"{at}.sessionLoadMs") ?? Figure(f.ValidationMsPerFrame, $"{at}.validationMsPerFrame")
            ?? Figure(f.ValidationFps, $"{at}.validationFps") ?? Figure(f.InferenceMsP95, $"{at}.inferenceMsP95") ?? Figure(f.Fps, $"{at}.fps");

    private static string? Figure(double? value, string field) =>
        value is not { } v || (double.IsFinite(v) && v >= 0) ? null : $"{field} must be a finite, non-negative number";

    // "factory" or 2 to 4 dot-separated integers, as the package metadata's.
    private static string? Version(string? value, string field, bool required) =>
        value is null ? (required ? $"{field} is required" : null)
        : value == DesiredModel.FactoryVersion || (value.Length <= 64 && value.Split('.').Length is >= 2 and <= 4 && value.Split('.').All(p => p.Length is > 0 and <= 9 && p.All(char.IsAsciiDigit)))
            ? null
            : $"{field} is not a version (2 to 4 dot-separated integers, or '{DesiredModel.FactoryVersion}')";

    private static string? Sha(string? value, string field) =>
        value is null || (value.Length == 64 && value.All(char.IsAsciiHexDigitLower)) ? null : $"{field} is not 64 lower-case hex digits";

    private static string? Id(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? $"{field} is required"
        : value.Length > PayloadDecoder.MaxIdLength ? $"{field} is longer than {PayloadDecoder.MaxIdLength} characters"
        : value.AsSpan().IndexOfAny("/+#\0") >= 0 ? $"{field} contains a character reserved by MQTT topics"
        : value.Any(char.IsControl) ? $"{field} contains a control character"
        : null;
}
