using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Accounts;

/// <summary>Lockouts per account and per address (429 with Retry-After), the rate limiter, bounded hashing, aggregated audit.</summary>
public sealed class SignInThrottleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Login_FiveWrongPasswords_AccountAnswers429WithRetryAfterUntilTheLockoutEnds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fleet = await FleetApp.StartAsync(services: s => { s.AddSingleton<TimeProvider>(clock); TestRemoteAddress.Register(s); }, waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        using var attacker = TestRemoteAddress.Client(fleet, "10.0.0.66");

        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            wrong.Add((await LoginAsync(attacker, "bob", $"wrong password {i}")).StatusCode);
        }

        var locked = await LoginAsync(attacker, "bob", FleetApp.Password);
        using var elsewhere = TestRemoteAddress.Client(fleet, "10.0.0.7");
        var lockedFromElsewhere = await LoginAsync(elsewhere, "bob", FleetApp.Password);
        clock.Advance(TimeSpan.FromMinutes(15));
        var afterLockout = await LoginAsync(elsewhere, "bob", FleetApp.Password);

        Assert.All(wrong, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
        Assert.InRange(locked.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 899, 900);
        Assert.Equal(HttpStatusCode.TooManyRequests, lockedFromElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterLockout.StatusCode);
        var lockout = Assert.Single(await AuditAsync(fleet), e => e.Action == AuditActions.LoginLockout);
        Assert.Equal("account:bob", lockout.Target);
    }

    [Fact]
    public async Task Login_ManyNamesFromOneAddress_AddressAnswers429OthersSignIn()
    {
        await using var fleet = await FleetApp.StartAsync(Settings(("AddressLockoutThreshold", "3")), services: TestRemoteAddress.Register, waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        using var sprayer = TestRemoteAddress.Client(fleet, "10.0.0.66");
        using var operatorDesk = TestRemoteAddress.Client(fleet, "10.0.0.7");

        var sprayed = new List<HttpStatusCode>();
        foreach (var name in new[] { "alice", "carol", "dave", "bob" })
        {
            sprayed.Add((await LoginAsync(sprayer, name, "a guessed password")).StatusCode);
        }

        var desk = await LoginAsync(operatorDesk, "bob", FleetApp.Password);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], sprayed);
        Assert.Equal(HttpStatusCode.OK, desk.StatusCode);
    }

    [Fact]
    public async Task Login_MoreRequestsThanTheRateLimit_Answered429BeforeAnyHash()
    {
        await using var fleet = await FleetApp.StartAsync(Settings(("SignInRequestsPerMinute", "3")), waitForSubscription: false);
        var throttle = fleet.Services.GetRequiredService<LoginThrottle>();

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await LoginAsync(fleet.Http, $"nobody-{i}", "a guessed password"));
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses.Select(s => s.StatusCode));
        Assert.NotNull(statuses[3].Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", statuses[3].Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, throttle.HashesStarted);
    }

    [Fact]
    public async Task Login_SixteenParallelWrongPasswords_AtMostThresholdHashedAndTheOperatorSignsIn()
    {
        // One hash at a time, as on the 2-core reference machine, so the count of hashed attempts does not depend on the cores.
        await using var fleet = await FleetApp.StartAsync(Settings(("HashConcurrency", "1")), services: TestRemoteAddress.Register, waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Admin, "root");
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        using var attacker = TestRemoteAddress.Client(fleet, "10.0.0.66");
        using var operatorDesk = TestRemoteAddress.Client(fleet, "10.0.0.7");

        var flood = Enumerable.Range(0, 16).Select(i => Task.Run(() => LoginAsync(attacker, "root", $"guess number {i}"))).ToList();
        var watch = Stopwatch.StartNew();
        var desk = await LoginAsync(operatorDesk, "bob", FleetApp.Password);
        var deskTime = watch.Elapsed;
        var statuses = (await Task.WhenAll(flood)).Select(r => r.StatusCode).ToList();

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"operator login under 16 parallel wrong passwords: {deskTime.TotalMilliseconds:F0} ms"));
        Assert.Equal(HttpStatusCode.OK, desk.StatusCode);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, 5);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
    }

    [Fact]
    public async Task Login_ThirtyFailuresOfOnePair_TwoAuditEntriesWithTheCount()
    {
        await using var fleet = await FleetApp.StartAsync(Settings(("LockoutThreshold", "100"), ("AddressLockoutThreshold", "100"), ("SignInRequestsPerMinute", "100")), services: TestRemoteAddress.Register, waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        using var attacker = TestRemoteAddress.Client(fleet, "10.0.0.66");

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(attacker, "bob", $"wrong password {i}")).StatusCode);
        }

        var beforeFlush = (await AuditAsync(fleet)).Count(e => e.Action == AuditActions.LoginFailed);
        await fleet.Services.GetRequiredService<LoginFailureAudit>().FlushAsync(CancellationToken.None);
        var failures = (await AuditAsync(fleet)).Where(e => e.Action == AuditActions.LoginFailed).ToList();

        Assert.Equal(1, beforeFlush);
        Assert.Equal(2, failures.Count);
        var aggregated = JsonNode.Parse(failures[1].Details)!;
        Assert.Equal((29, "10.0.0.66", "wrong password"), ((int)aggregated["count"]!, (string?)aggregated["remote"], (string?)aggregated["reason"]));
        Assert.Equal("account:bob", failures[1].Target);
    }

    internal static Task<HttpResponseMessage> LoginAsync(HttpClient client, string name, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new LoginRequest(name, password), FleetJsonContext.Default.LoginRequest);

    internal static Task<IReadOnlyList<AuditEntry>> AuditAsync(FleetApp fleet) =>
        fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 1000, CancellationToken.None);

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] accounts) =>
        accounts.ToDictionary(a => $"{AccountsOptions.SectionName}:{a.Key}", a => (string?)a.Value);
}
