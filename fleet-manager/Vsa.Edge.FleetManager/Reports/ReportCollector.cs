using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>Reads what the AIPD and the bilan of one authorisation say (<see cref="ReportData"/>).</summary>
public sealed class ReportCollector(
    FleetDatabase database,
    AuthorisationStore authorisations,
    CameraDirectory cameras,
    SuspensionStore suspensions,
    IOptions<BrokerOptions> broker,
    IOptions<RetentionOptions> retention,
    IOptions<RegisterOptions> register,
    TimeProvider timeProvider)
{
    /// <summary>Two heartbeats at most this far apart count the device as up in between (the agent sends one every 10 s by default).</summary>
    public static readonly TimeSpan UptimeGap = TimeSpan.FromSeconds(60);

    /// <summary>Most suspensions read back (newest first) to find those of the period.</summary>
    public const int MaxSuspensions = 10_000;

    /// <summary>The data of the authorisation whose reference is <paramref name="reference"/>, or null when there is none.</summary>
    public async Task<ReportData?> CollectAsync(string reference, CancellationToken cancellationToken)
    {
        var authorisation = (await authorisations.ListAsync(cancellationToken)).FirstOrDefault(a => string.Equals(a.Reference, reference, StringComparison.Ordinal));
        if (authorisation is null)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var from = authorisation.StartsAt;
        var to = authorisation.EndsAt < now ? authorisation.EndsAt : now < from ? from : now;
        var known = await cameras.LoadAsync(authorisation.Cameras.Select(c => c.DeviceId), cancellationToken);
        var reportCameras = authorisation.Cameras.Select((c, i) =>
        {
            known.TryGetValue((c.DeviceId, c.CameraId), out var document);
            return new ReportCamera(c.DeviceId, c.CameraId, document?.PublicName ?? PublicRegisterBuilder.Placeholder(i + 1), document?.Place ?? PublicRegisterBuilder.NoPlace, document);
        }).ToList();

        var (alerts, dismissals) = await ReadAlertsAsync(authorisation, from, to, cancellationToken);
        var verification = await AuditVerifier.VerifyAsync(database, cancellationToken);
        var active = await suspensions.ListActiveAsync(cancellationToken);
        var publicPart = PublicRegisterBuilder.Build([], new Dictionary<(string, string), KnownCamera>(), static (_, _) => false, register.Value, retention.Value, now);
        return new ReportData(
            authorisation,
            from,
            to,
            now,
            reportCameras,
            EvaluationCalculator.Build(from, to, alerts),
            dismissals,
            await SuspensionsAsync(authorisation, from, to, cancellationToken),
            await ConfigChangesAsync(authorisation, from, to, cancellationToken),
            await UptimeAsync(authorisation, from, to, now, cancellationToken),
            new SecurityMeasures(
                broker.Value.Mode.ToString(),
                broker.Value.Mode == BrokerMode.Embedded ? broker.Value.RequireClientCertificates : broker.Value.ConnectsWithTls,
                broker.Value.BenchDevicesMayPublish,
                SignedDesiredState: true,
                verification.IsIntact,
                verification.Entries,
                verification.Problem?.Message,
                [.. Enum.GetValues<Role>().Select(Roles.Name)],
                active.Count),
            publicPart.Retention,
            AlertFields(),
            publicPart.Controller,
            publicPart.Rights);
    }

    /// <summary>The fields of <see cref="AlertMessage"/> and of the records it holds, from the contract's JSON metadata.</summary>
    public static IReadOnlyList<AlertField> AlertFields()
    {
        var fields = new List<AlertField>();
        Walk(ContractsJsonContext.Default.AlertMessage, string.Empty, fields, 0);
        return fields;
    }

    private static void Walk(JsonTypeInfo type, string prefix, List<AlertField> fields, int depth)
    {
        foreach (var property in type.Properties)
        {
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var element = propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? propertyType.GetGenericArguments()[0] : null;
            var name = prefix + property.Name + (element is null ? string.Empty : "[]");
            var nested = element ?? propertyType;
            fields.Add(new AlertField(name, element is null ? ShortName(propertyType) : $"list of {ShortName(element)}"));
            if (depth < 2 && nested.Namespace == typeof(AlertMessage).Namespace && !nested.IsEnum && ContractsJsonContext.Default.GetTypeInfo(nested) is { Kind: JsonTypeInfoKind.Object } inner)
            {
                Walk(inner, name + ".", fields, depth + 1);
            }
        }
    }

    private static string ShortName(Type type) => type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] : type.Name;

    private async Task<(List<EvaluatedAlert> Alerts, IReadOnlyList<DismissalCount> Dismissals)> ReadAlertsAsync(AuthorisationView authorisation, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var alerts = new List<EvaluatedAlert>();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);

        // The evaluation's own basis (received_at, see EvaluationReport), so the document's figures are the API's.
        await using var command = connection.Sql(null, """
            SELECT event_type, device_id, camera_id, received_at, decision, decided_at, decision_reason FROM alerts
            WHERE received_at >= @from AND received_at < @to;
            """);
        dialect.AddTime(command, "@from", from);
        dialect.AddTime(command, "@to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            var eventType = c.String("event_type");
            var (deviceId, cameraId) = (c.String("device_id"), c.String("camera_id"));
            if (!authorisation.Names(deviceId, cameraId) || !authorisation.Events.Contains(eventType, StringComparer.Ordinal))
            {
                continue;
            }

            bool? confirmed = c.IsNull("decision") ? null : string.Equals(c.String("decision"), "confirmed", StringComparison.Ordinal);
            alerts.Add(new EvaluatedAlert(WireNames.ToEventType(eventType), deviceId, cameraId, c.Time("received_at"), confirmed, c.TimeOrNull("decided_at")));
            if (confirmed == false)
            {
                var reason = c.StringOrNull("decision_reason") ?? "(sans motif)";
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
        }

        return (alerts, [.. reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => new DismissalCount(r.Key, r.Value))]);
    }

    private async Task<IReadOnlyList<ReportSuspension>> SuspensionsAsync(AuthorisationView authorisation, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var recent = await suspensions.ListRecentAsync(MaxSuspensions, cancellationToken);
        var sites = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            foreach (var deviceId in authorisation.Cameras.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal))
            {
                sites[deviceId] = await SuspensionStore.SiteOfAsync(connection, null, deviceId, cancellationToken);
            }
        }

        return [.. recent
            .Where(s => s.Since < to && (s.ResumedAt ?? DateTimeOffset.MaxValue) > from && authorisation.Cameras.Any(c => s.Covers(c.DeviceId, sites[c.DeviceId], c.CameraId)))
            .OrderBy(s => s.Since)
            .Select(s => new ReportSuspension(s, Min(s.ResumedAt ?? to, to) - Max(s.Since, from)))];
    }

    private async Task<IReadOnlyList<ConfigChange>> ConfigChangesAsync(AuthorisationView authorisation, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var targets = authorisation.Cameras.Select(c => $"device:{c.DeviceId}").Append($"authorisation:{authorisation.Reference}").ToHashSet(StringComparer.Ordinal);
        var changes = new List<ConfigChange>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT at, actor, action, target, details FROM audit_log
            WHERE ((action = @config AND at >= @from) OR (action = @authorisation AND target = @target)) AND at < @to ORDER BY sequence;
            """).With("@config", AuditActions.ConfigurationChanged).With("@authorisation", AuditActions.AuthorisationChanged).With("@target", $"authorisation:{authorisation.Reference}");
        database.Dialect.AddTime(command, "@from", from);
        database.Dialect.AddTime(command, "@to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            var at = c.Time("at");
            // The arrêté's own history, from its recording, and the configuration changes of its devices within the period.
            if (targets.Contains(c.String("target")))
            {
                changes.Add(new ConfigChange(at, c.String("actor"), c.String("action"), c.String("target"), Summary(c.String("details"))));
            }
        }

        return changes;
    }

    private static string Summary(string details)
    {
        try
        {
            using var json = JsonDocument.Parse(details);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) ? v.ToString() : null;
            return Text("operation") is { } operation ? $"{operation}"
                : Text("version") is { } version ? $"version {version}{(Text("reason") is { Length: > 0 } reason ? $" ({reason})" : string.Empty)}"
                : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private async Task<IReadOnlyList<DeviceUptime>> UptimeAsync(AuthorisationView authorisation, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Heartbeats older than the health retention are purged: measure only what is kept, and say so.
        var kept = now - TimeSpan.FromDays(retention.Value.HealthDays);
        var start = Max(from, kept);
        var list = new List<DeviceUptime>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var deviceId in authorisation.Cameras.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await using var command = connection.Sql(null, "SELECT received_at FROM device_health WHERE device_id = @device AND received_at >= @from AND received_at < @to ORDER BY received_at;")
                .With("@device", deviceId);
            database.Dialect.AddTime(command, "@from", start);
            database.Dialect.AddTime(command, "@to", to);
            var beats = new List<DateTimeOffset>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                var columns = reader.Columns(database.Dialect);
                while (await reader.ReadAsync(cancellationToken))
                {
                    beats.Add(columns.Time("received_at"));
                }
            }

            var up = TimeSpan.Zero;
            for (var i = 1; i < beats.Count; i++)
            {
                var gap = beats[i] - beats[i - 1];
                if (gap <= UptimeGap)
                {
                    up += gap;
                }
            }

            var span = to - start;
            list.Add(new DeviceUptime(deviceId, start, to, beats.Count, up, span > TimeSpan.Zero ? Math.Min(1, up / span) : null));
        }

        return list;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
