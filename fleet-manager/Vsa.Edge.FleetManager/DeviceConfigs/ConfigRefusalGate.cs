using System.Globalization;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>
/// Bounds what one device can write into the audit log by reporting refusals (<see cref="ConfigAuditActions.Refused"/>): at
/// most <paramref name="entries"/> entries per device per <paramref name="interval"/> of receipt time (the ingestion's
/// injected clock). The refusals beyond are counted, not written, and the count goes into the device's next entry
/// (<c>refusalsFolded</c>, <c>foldedFrom</c>, <c>foldedTo</c>, <c>lastFoldedSha256</c>): its next refusal after the interval,
/// or a summary entry when its next report of any kind arrives after the interval. Like the sign-in failure aggregation
/// (<see cref="Accounts.LoginFailureAudit"/>), in memory: a count still pending when the fleet manager stops is lost (the
/// device's newest report, in <c>device_config_reported</c>, still says what it refused last). What an entry copies from a
/// report is capped too (<see cref="Details"/>).
/// </summary>
/// <param name="interval">The interval; zero writes every refusal.</param>
/// <param name="entries">Entries written per device and interval before the rest are folded.</param>
public sealed class ConfigRefusalGate(TimeSpan interval, int entries)
{
    /// <summary>Errors copied into an entry, the first ones (the entry's <c>errorCount</c> says how many there were).</summary>
    public const int MaxAuditedErrors = 8;

    /// <summary>Characters kept of each error copied into an entry (a longer one ends with "…").</summary>
    public const int MaxAuditedErrorLength = 256;

    /// <summary>Most devices remembered; beyond that the oldest windows are forgotten (their counts are written by no one).</summary>
    public const int MaxDevices = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>
    /// A device refused a desired message not refused in its previous report, at <paramref name="receivedAt"/>: the details of
    /// the entry to write, with what was folded before, or null when this refusal is folded into a later entry.
    /// </summary>
    public JsonObject? Refused(ReportedConfigMessage report, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_lock)
        {
            var window = Current(report.DeviceId, receivedAt, out var ended);
            if (window.Written < entries || interval <= TimeSpan.Zero)
            {
                window.Written++;
                var details = Details(report);
                AddFolded(details, ended);
                return details;
            }

            window.Folded++;
            window.FoldedFrom ??= receivedAt;
            window.FoldedTo = receivedAt;
            window.LastSha256 = report.RejectedSha256;
            return null;
        }
    }

    /// <summary>
    /// A report of <paramref name="deviceId"/> stored that is not a new refusal: the details of a summary entry when its
    /// interval ended with refusals folded and not yet written, else null.
    /// </summary>
    public JsonObject? Settle(string deviceId, DateTimeOffset receivedAt)
    {
        lock (_lock)
        {
            if (!_windows.TryGetValue(deviceId, out var window) || !Expired(window, receivedAt) || window.Folded == 0)
            {
                return null;
            }

            _windows.Remove(deviceId);
            var details = new JsonObject();
            AddFolded(details, window);
            return details;
        }
    }

    /// <summary>What an entry copies from a report: the hash, the versions, the number of errors and the first ones, shortened.</summary>
    public static JsonObject Details(ReportedConfigMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var errors = report.Errors ?? [];
        return new JsonObject
        {
            ["sha256"] = report.RejectedSha256,
            ["lastReceivedVersion"] = report.LastReceivedVersion,
            ["appliedVersion"] = report.AppliedVersion,
            ["errorCount"] = errors.Count,
            ["errors"] = new JsonArray([.. errors.Take(MaxAuditedErrors).Select(e => (JsonNode?)JsonValue.Create(Shorten(e)))]),
        };
    }

    private static string Shorten(string error) => error.Length <= MaxAuditedErrorLength ? error : string.Concat(error.AsSpan(0, MaxAuditedErrorLength - 1), "…");

    private static void AddFolded(JsonObject details, Window? ended)
    {
        if (ended is not { Folded: > 0 } folded)
        {
            return;
        }

        details["refusalsFolded"] = folded.Folded;
        details["foldedFrom"] = folded.FoldedFrom?.ToString("O", CultureInfo.InvariantCulture);
        details["foldedTo"] = folded.FoldedTo?.ToString("O", CultureInfo.InvariantCulture);
        details["lastFoldedSha256"] = folded.LastSha256;
    }

    private bool Expired(Window window, DateTimeOffset at) => at - window.Start >= interval || at < window.Start;

    // The device's window at "at", a new one when none is open or the open one ended (returned in "ended" to be written).
    private Window Current(string deviceId, DateTimeOffset at, out Window? ended)
    {
        ended = null;
        if (_windows.TryGetValue(deviceId, out var window) && !Expired(window, at))
        {
            return window;
        }

        ended = window;
        if (window is null && _windows.Count >= MaxDevices)
        {
            _windows.Clear();
        }

        var opened = new Window { Start = at };
        _windows[deviceId] = opened;
        return opened;
    }

    private sealed class Window
    {
        public DateTimeOffset Start { get; init; }

        public int Written { get; set; }

        public long Folded { get; set; }

        public DateTimeOffset? FoldedFrom { get; set; }

        public DateTimeOffset? FoldedTo { get; set; }

        public string? LastSha256 { get; set; }
    }
}
