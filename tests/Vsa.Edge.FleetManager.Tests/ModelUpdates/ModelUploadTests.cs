using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary>
/// <c>POST /api/models</c> on the real fleet: only an administrator uploads; a package is verified against the configured
/// model-signing keys and refused with its reason (wrong key, bad signature, one flipped byte, expired, not newer than a stored
/// version of the same id); an accepted one is stored under its SHA-256, listed and audited. The same on PostgreSQL.
/// </summary>
public sealed class ModelUploadTests(ModelPackageSamples packages) : IClassFixture<ModelPackageSamples>
{
    [Fact]
    public async Task Upload_NotAnAdministrator_ForbiddenAndNothingStored()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var operatorClient = await fleet.ClientAsync(Role.Operator);
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        var v1 = packages.Write("1.0.0");

        var byOperator = await ModelApi.UploadAsync(operatorClient, v1);
        var byAuditor = await ModelApi.UploadAsync(auditor, v1);
        var anonymous = await ModelApi.UploadAsync(fleet.Http, v1);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (byOperator.StatusCode, byAuditor.StatusCode, anonymous.StatusCode));
        Assert.Empty(await ModelApi.ListAsync(auditor));
    }

    [Fact]
    public async Task Upload_SignedByTrustedKey_StoredUnderItsHashListedAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var v1 = packages.Write("1.0.0");

        var created = await ModelApi.UploadAsync(admin, v1);
        var again = await ModelApi.UploadAsync(admin, v1);
        var stored = (await created.Content.ReadFromJsonAsync(ModelJsonContext.Default.ModelPackageView))!;
        var listed = await ModelApi.ListAsync(admin);
        var file = fleet.Services.GetRequiredService<ModelPackageStore>().PathOf(stored.Sha256);
        var audit = await admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((ModelPackageSamples.Sha256Of(v1), "nanodet-coco", "1.0.0", "detector", new FileInfo(v1).Length), (stored.Sha256, stored.Id, stored.Version, stored.Kind, stored.Size));
        Assert.Equal(packages.Signer.KeyId, stored.KeyId);
        Assert.Equal(["person", "vehicle", "bag", "weapon"], stored.Categories);
        Assert.Equal(stored.Sha256, Assert.Single(listed).Sha256);
        Assert.Equal(File.ReadAllBytes(v1), File.ReadAllBytes(file));
        Assert.Equal(Path.Combine(fleet.DataDirectory, "models", "packages", stored.Sha256 + ".vsamodel"), file);
        Assert.Empty(Directory.GetFiles(Path.Combine(fleet.DataDirectory, "models", "incoming")));
        var entry = Assert.Single(audit!, e => e.Action == ModelAuditActions.Upload);
        Assert.Equal(stored.Sha256, (string?)JsonNode.Parse(entry.Details)!["sha256"]);
    }

    [Fact]
    public async Task Upload_EachBadPackage_RefusedWithItsReasonAndNothingStored()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var v2 = packages.Write("2.0.0");
        Assert.Equal(HttpStatusCode.Created, (await ModelApi.UploadAsync(admin, v2)).StatusCode);

        var wrongKey = await ModelApi.RefusalAsync(admin, packages.Write("3.0.0", signer: packages.Stranger));
        var badSignature = await ModelApi.RefusalAsync(admin, packages.BreakSignature(packages.Write("3.0.0")));
        var flipped = await ModelApi.RefusalAsync(admin, packages.FlipByte(packages.Write("3.0.0")));
        var expired = await ModelApi.RefusalAsync(admin, packages.Write("3.0.0", createdAt: DateTimeOffset.UtcNow.AddDays(-40), lifetime: TimeSpan.FromDays(30)));
        var older = await ModelApi.RefusalAsync(admin, packages.Write("1.5.0"));
        var same = await ModelApi.RefusalAsync(admin, packages.Write("2.0.0"));

        Assert.Equal("untrusted", wrongKey.Reason);
        Assert.Contains("signature does not verify with a trusted key", wrongKey.Detail, StringComparison.Ordinal);
        Assert.Equal("untrusted", badSignature.Reason);
        Assert.Equal("altered", flipped.Reason);
        Assert.Contains("nanodet.onnx", flipped.Detail, StringComparison.Ordinal);
        Assert.Equal("expired", expired.Reason);
        Assert.Equal(("downgrade", "downgrade"), (older.Reason, same.Reason));
        Assert.Contains("not newer than the stored 2.0.0", older.Detail, StringComparison.Ordinal);
        Assert.Equal("2.0.0", Assert.Single(await ModelApi.ListAsync(admin)).Version);
        Assert.Single(Directory.GetFiles(Path.Combine(fleet.DataDirectory, "models", "packages")));
        Assert.Empty(Directory.GetFiles(Path.Combine(fleet.DataDirectory, "models", "incoming")));
    }

    [Fact]
    public async Task Upload_NoTrustedKeyOrTooLarge_RefusedSayingWhy()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Models:MaxPackageBytes"] = "1048576" }, waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var v1 = packages.Write("1.0.0");

        var tooLarge = await ModelApi.UploadAsync(admin, v1);
        var problem = await tooLarge.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("Fleet:Models:MaxPackageBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var noKeys = await FleetApp.StartAsync(waitForSubscription: false);
        using var other = await noKeys.ClientAsync(Role.Admin);
        var untrusted = await ModelApi.RefusalAsync(other, v1);
        Assert.Equal("untrusted", untrusted.Reason);
        Assert.Contains("Fleet:Models:SigningKeys", untrusted.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SigningKeyNotAPublicKey_RefusesToStartNamingTheSetting()
    {
        var settings = new Dictionary<string, string?> { ["Fleet:Models:SigningKeys:0"] = packages.Signer.ExportPrivateKeyPem().Replace("PRIVATE KEY", "PUBLIC KEY", StringComparison.Ordinal) };

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => FleetApp.StartAsync(settings, waitForSubscription: false));

        Assert.Contains("Fleet:Models:SigningKeys:0", failure.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The same store on PostgreSQL: upload, listing, downgrade refusal (one SQL text for both engines).</summary>
public sealed class ModelUploadOnPostgresTests(ModelPackageSamples packages, PostgresFixture postgres) : IClassFixture<ModelPackageSamples>, IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Upload_OnPostgres_StoresListsAndRefusesADowngrade()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), postgres: postgres.CreateSchema(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);

        var v2 = await ModelApi.UploadAsync(admin, packages.Write("2.0.0"));
        var v10 = await ModelApi.UploadAsync(admin, packages.Write("2.10.0"));
        var older = await ModelApi.RefusalAsync(admin, packages.Write("2.9.0"));
        var listed = await ModelApi.ListAsync(admin);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (v2.StatusCode, v10.StatusCode));
        Assert.Equal("downgrade", older.Reason);
        Assert.Equal(["2.10.0", "2.0.0"], listed.Select(p => p.Version));
        Assert.True(listed.All(p => p.ExpiresAt > p.CreatedAt && p.UploadedBy.Length > 0));
    }
}

/// <summary>The model API calls the tests share.</summary>
public static class ModelApi
{
    /// <summary><c>POST /api/models</c> with the file as the raw body.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string package)
    {
        await using var stream = File.OpenRead(package);
        using var content = new StreamContent(stream);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return await client.PostAsync("/api/models", content);
    }

    /// <summary>Uploads and returns the stored package (fails the test unless 201).</summary>
    public static async Task<ModelPackageView> UploadOkAsync(HttpClient admin, string package)
    {
        var response = await UploadAsync(admin, package);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(ModelJsonContext.Default.ModelPackageView))!;
    }

    /// <summary>Uploads a package that must be refused (422) and returns the refusal's reason and detail.</summary>
    public static async Task<(string? Reason, string Detail)> RefusalAsync(HttpClient admin, string package)
    {
        var response = await UploadAsync(admin, package);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        return (problem.GetProperty("reason").GetString(), problem.GetProperty("detail").GetString()!);
    }

    /// <summary><c>GET /api/models</c>.</summary>
    public static async Task<IReadOnlyList<ModelPackageView>> ListAsync(HttpClient client) =>
        (await client.GetFromJsonAsync("/api/models", ModelJsonContext.Default.IReadOnlyListModelPackageView))!;
}
