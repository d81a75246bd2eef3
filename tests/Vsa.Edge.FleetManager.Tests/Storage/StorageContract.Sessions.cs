using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Server-side sessions (migration 9) on both engines: idle and absolute lifetimes, revocation.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task SessionStore_RequestsWithinIdleLifetime_LiveUntilAbsoluteLifetime()
    {
        var key = await Sessions.StoreAsync(await TicketAsync("bob"), CancellationToken.None);

        var atStart = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(50));
        var after50 = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(50));
        var after100 = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(50));
        var after150 = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(31));
        var after181 = await Sessions.RetrieveAsync(key, CancellationToken.None);

        Assert.Equal("bob", atStart?.Principal.Identity?.Name);
        Assert.NotNull(after50);
        Assert.NotNull(after100);
        Assert.NotNull(after150);
        Assert.Null(after181);
    }

    [Fact]
    public async Task SessionStore_NoRequestForIdleLifetime_EndsAndStaysEnded()
    {
        var key = await Sessions.StoreAsync(await TicketAsync("bob"), CancellationToken.None);

        Clock.Advance(TimeSpan.FromMinutes(59));
        var justBefore = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(60));
        var idle = await Sessions.RetrieveAsync(key, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var later = await Sessions.RetrieveAsync(key, CancellationToken.None);

        Assert.NotNull(justBefore);
        Assert.Null(idle);
        Assert.Null(later);
    }

    [Fact]
    public async Task SessionStore_PasswordSetOrAccountDisabled_RevokesEverySessionOfThatAccountOnly()
    {
        var bob1 = await Sessions.StoreAsync(await TicketAsync("bob"), CancellationToken.None);
        var bob2 = await Sessions.StoreAsync((await RetrieveTicketAsync(bob1))!, CancellationToken.None);
        var carol = await Sessions.StoreAsync(await TicketAsync("carol"), CancellationToken.None);
        var bobId = (await Accounts.FindAsync("bob", CancellationToken.None))!.View.Id;

        Assert.Equal(2, await Sessions.CountOpenAsync(bobId, CancellationToken.None));
        await Accounts.SetPasswordAsync("bob", Hash, "bob", AuditActions.PasswordChanged, CancellationToken.None);

        Assert.Null(await RetrieveTicketAsync(bob1));
        Assert.Null(await RetrieveTicketAsync(bob2));
        Assert.NotNull(await RetrieveTicketAsync(carol));
        await Accounts.UpdateAsync("carol", new AccountChange(null, null, null, null, null, Disabled: true), "root", CancellationToken.None);
        Assert.Null(await RetrieveTicketAsync(carol));
    }

    [Fact]
    public async Task SessionStore_Removed_LogoutRevokesTheStoredRow()
    {
        var key = await Sessions.StoreAsync(await TicketAsync("bob"), CancellationToken.None);

        await Sessions.RemoveAsync(key, CancellationToken.None);

        Assert.Null(await RetrieveTicketAsync(key));
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM sessions WHERE revoked_reason = 'logout';"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM sessions WHERE session_hash = '{key}';"));
    }

    private Task<AuthenticationTicket?> RetrieveTicketAsync(string key) => Sessions.RetrieveAsync(key, CancellationToken.None);

    private async Task<AuthenticationTicket> TicketAsync(string name)
    {
        var account = (await Accounts.FindAsync(name, CancellationToken.None))?.View
            ?? (await Accounts.CreateAsync(NewOperator(name), Hash, "cli", CancellationToken.None))!;
        var principal = FleetAuthentication.Principal(account, "stamp", FleetClaims.PasswordMethod, CookieAuthenticationDefaults.AuthenticationScheme);
        return new AuthenticationTicket(principal, CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
