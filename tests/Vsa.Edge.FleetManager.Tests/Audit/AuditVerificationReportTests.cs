using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Audit;

/// <summary><c>GET /api/audit/verification</c>: the verdict of <c>vsa-fleet audit verify</c>, for the auditor's page.</summary>
public sealed class AuditVerificationReportTests
{
    [Fact]
    public async Task GetVerification_CheckpointThenTamper_IntactWithCheckpointThenBrokenAtTheEntry()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var op = await fleet.ClientAsync(Role.Operator);
        (await admin.PostAsync("/api/audit/checkpoints", null)).EnsureSuccessStatusCode();

        var intact = (await auditor.GetFromJsonAsync("/api/audit/verification", FleetJsonContext.Default.AuditVerificationReport))!;
        Assert.True(intact.Intact);
        Assert.Null(intact.Chain.Problem);
        Assert.Equal(1, intact.Checkpoints!.Checked);
        Assert.Equal(intact.Chain.HeadSequence, intact.Checkpoints.Latest!.Sequence);
        Assert.Null(intact.Checkpoints.Problem);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/audit/verification")).StatusCode);

        var file = fleet.Services.GetRequiredService<FleetDatabase>().SqliteFile!;
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE sequence = 1;";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var broken = (await auditor.GetFromJsonAsync("/api/audit/verification", FleetJsonContext.Default.AuditVerificationReport))!;
        Assert.False(broken.Intact);
        Assert.Equal((AuditProblemKind.Modified, 1L), (broken.Chain.Problem!.Kind, broken.Chain.Problem.Sequence));
        Assert.Null(broken.Checkpoints);
    }
}
