using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>The same enrolment, mutual TLS and revocation path on PostgreSQL (one SQL text for both engines).</summary>
public sealed class TrustOnPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task EnrolConnectRevoke_OnPostgres_WorksAndIsAudited()
    {
        await using var fleet = await FleetApp.StartAsync(postgres: postgres.CreateSchema());
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var device = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var reuse = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-13", key));

        var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
        using (client)
        {
            var alert = Samples.AlertStart("pole-12");
            await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);
            await fleet.WaitForAlertAsync(alert.AlertId);
        }

        var revoke = await admin.PostAsync("/api/devices/pole-12/revoke", null);
        var (again, refused) = await device.ConnectAsync(fleet.TlsPort);
        using var _again = again;

        Assert.Equal(HttpStatusCode.Forbidden, reuse.StatusCode);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        var actions = (await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 100, CancellationToken.None)).Select(e => e.Action).ToList();
        Assert.Contains(TrustAuditActions.TokenCreated, actions);
        Assert.Contains(AuditActions.DeviceEnrolled, actions);
        Assert.Contains(AuditActions.DeviceRevoked, actions);
    }
}
