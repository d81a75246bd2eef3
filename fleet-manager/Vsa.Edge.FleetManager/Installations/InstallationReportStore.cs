using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Installations;

/// <summary>An installation report as the device board shows it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="ReportId">The report's id.</param>
/// <param name="Kind">Probe (the self-test's round trip) or the self-test's result.</param>
/// <param name="Installer">Who installed the device.</param>
/// <param name="Passed">No check failed.</param>
/// <param name="TestedAt">When the self-test ran (device clock).</param>
/// <param name="ReceivedAt">When the fleet received it (fleet clock): later than the test when the uplink was down.</param>
/// <param name="Checks">Each check.</param>
/// <param name="Figures">The figures measured.</param>
public sealed record InstallationView(
    string DeviceId,
    string ReportId,
    InstallationReportKind Kind,
    string Installer,
    bool Passed,
    DateTimeOffset TestedAt,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<InstallationCheck> Checks,
    IReadOnlyDictionary<string, double>? Figures);

/// <summary>Installation reports (table <c>installation_reports</c>, migration 17), stored once per report id.</summary>
public sealed class InstallationReportStore(FleetDatabase database, TimeProvider timeProvider)
{
    private const string Columns = "device_id, report_id, kind, installer, passed, tested_at, received_at, payload";

    /// <summary>Reports kept per device (newest by reception): a device that floods the topic cannot fill the fleet's disk.</summary>
    public const int KeptPerDevice = 50;

    /// <summary>
    /// Stores <paramref name="report"/>; false when this device stored a report with its id already (sent twice). Keeps the
    /// newest <see cref="KeptPerDevice"/> of the device, in the same transaction.
    /// </summary>
    public async Task<bool> SaveAsync(InstallationReportMessage report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.Sql(transaction, $"""
            INSERT INTO installation_reports ({Columns})
            VALUES (@device, @report, @kind, @installer, @passed, @tested, @received, @payload)
            ON CONFLICT (device_id, report_id) DO NOTHING;
            """)
            .With("@device", report.DeviceId).With("@report", report.ReportId).With("@kind", report.Kind == InstallationReportKind.Probe ? "probe" : "selfTest")
            .With("@installer", report.Installer).With("@passed", report.Passed ? 1 : 0);
        database.Dialect.AddTime(insert, "@tested", report.At);
        database.Dialect.AddTime(insert, "@received", timeProvider.GetUtcNow());
        database.Dialect.AddJson(insert, "@payload", JsonSerializer.Serialize(report, ContractsJsonContext.Default.InstallationReportMessage));
        var stored = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await using (var trim = connection.Sql(transaction, """
            DELETE FROM installation_reports WHERE device_id = @device AND report_id NOT IN (
                SELECT report_id FROM installation_reports WHERE device_id = @device ORDER BY received_at DESC, report_id LIMIT @kept);
            """).With("@device", report.DeviceId).With("@kept", KeptPerDevice))
        {
            await trim.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>The newest self-test report of every device that has one (the device board's column).</summary>
    public async Task<IReadOnlyList<InstallationView>> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Sql(null, $"""
            SELECT {Columns} FROM installation_reports r
            WHERE kind = 'selfTest' AND received_at = (SELECT MAX(received_at) FROM installation_reports x WHERE x.device_id = r.device_id AND x.kind = 'selfTest')
            ORDER BY device_id, report_id;
            """);
        var views = await ReadAsync(select, cancellationToken);

        // Two reports received in the same instant: the board shows one per device.
        return [.. views.DistinctBy(v => v.DeviceId)];
    }

    /// <summary>The newest reports of <paramref name="deviceId"/>, newest first (at most <paramref name="limit"/>), probes included.</summary>
    public async Task<IReadOnlyList<InstallationView>> ForDeviceAsync(string deviceId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Sql(null, $"SELECT {Columns} FROM installation_reports WHERE device_id = @device ORDER BY received_at DESC, report_id LIMIT @limit;")
            .With("@device", deviceId).With("@limit", limit);
        return await ReadAsync(select, cancellationToken);
    }

    private async Task<List<InstallationView>> ReadAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var views = new List<InstallationView>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var (device, report, kind, installer, passed, tested, received, payload) = (
            reader.GetOrdinal("device_id"), reader.GetOrdinal("report_id"), reader.GetOrdinal("kind"), reader.GetOrdinal("installer"),
            reader.GetOrdinal("passed"), reader.GetOrdinal("tested_at"), reader.GetOrdinal("received_at"), reader.GetOrdinal("payload"));
        while (await reader.ReadAsync(cancellationToken))
        {
            var message = JsonSerializer.Deserialize(reader.GetString(payload), ContractsJsonContext.Default.InstallationReportMessage)!;
            views.Add(new InstallationView(
                reader.GetString(device),
                reader.GetString(report),
                reader.GetString(kind) == "probe" ? InstallationReportKind.Probe : InstallationReportKind.SelfTest,
                reader.GetString(installer),
                Convert.ToInt64(reader.GetValue(passed), System.Globalization.CultureInfo.InvariantCulture) != 0,
                database.Dialect.ReadTime(reader, tested),
                database.Dialect.ReadTime(reader, received),
                message.Checks,
                message.Figures));
        }

        return views;
    }
}
