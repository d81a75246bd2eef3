using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>Which device ids the fleet knows, so that a configuration is never written for a device that does not exist.</summary>
public static class KnownDevices
{
    /// <summary>
    /// Whether <paramref name="deviceId"/> has been heard from (a row in <c>devices</c>) or holds an unrevoked certificate
    /// (enrolled, perhaps not yet connected: its configuration can be prepared before it first comes online).
    /// </summary>
    public static async Task<bool> IsKnownAsync(FleetDatabase database, string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT (SELECT COUNT(*) FROM devices WHERE device_id = @device)
                 + (SELECT COUNT(*) FROM device_certificates WHERE device_id = @device AND revoked_at IS NULL);
            """).With("@device", deviceId);
        return await command.ScalarInt64Async(cancellationToken) > 0;
    }
}
