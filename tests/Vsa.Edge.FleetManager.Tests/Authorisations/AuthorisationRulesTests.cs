using Vsa.Edge.FleetManager.Authorisations;

namespace Vsa.Edge.FleetManager.Tests.Authorisations;

/// <summary>An authorisation names known events, at least one camera, and ends after it starts.</summary>
public sealed class AuthorisationRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryValidate_Valid_TrimmedAndDeduplicated()
    {
        var request = new AuthorisationRequest(" 2026-DPG-0412 ", "Police municipale", ["intrusion", "intrusion", "fire"],
            [new AuthorisedCamera("pole-12", "cam-1"), new AuthorisedCamera("pole-12", "cam-1")], Start, Start.AddDays(90));

        Assert.True(AuthorisationRules.TryValidate(request, out var valid, out var errors), string.Join("; ", errors.SelectMany(e => e.Value)));

        Assert.Equal("2026-DPG-0412", valid!.Reference);
        Assert.Equal(["intrusion", "fire"], valid.Events);
        Assert.Single(valid.Cameras);
    }

    [Fact]
    public void TryValidate_UnknownEventEndBeforeStartEmptyCameras_EachFieldNamed()
    {
        var request = new AuthorisationRequest("2026-DPG-0412", "Police municipale", ["intrusion", "facial_recognition"], [], Start, Start, "ftp://example.org/a.pdf");

        Assert.False(AuthorisationRules.TryValidate(request, out _, out var errors));

        Assert.Contains("facial_recognition", Assert.Single(errors["events[1]"]), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("cameras"));
        Assert.Contains("must be after startsAt", Assert.Single(errors["endsAt"]), StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("documentUrl"));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void TryValidate_MissingFieldsAndTopicCharacters_Refused()
    {
        var request = new AuthorisationRequest(" ", null, [], [new AuthorisedCamera("pole/12", "cam-1")], null, Start);

        Assert.False(AuthorisationRules.TryValidate(request, out _, out var errors));

        Assert.Equal(["cameras[0].deviceId", "events", "reference", "service", "startsAt"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TryValidate_AuthorityAndPurpose_TrimmedBlankBecomesNullLineBreakKept()
    {
        var request = new AuthorisationRequest("2026-DPG-0412", "Police municipale", ["intrusion"], [new AuthorisedCamera("pole-12", "cam-1")], Start, Start.AddDays(1),
            Authority: "  Préfet du Rhône ", Purpose: "Sécurité de la Fête des Lumières\nDu 5 au 8 décembre");

        Assert.True(AuthorisationRules.TryValidate(request, out var valid, out _));
        Assert.True(AuthorisationRules.TryValidate(request with { Authority = "   ", Purpose = null }, out var blank, out _));

        Assert.Equal("Préfet du Rhône", valid!.Authority);
        Assert.Equal("Sécurité de la Fête des Lumières\nDu 5 au 8 décembre", valid.Purpose);
        Assert.Null(blank!.Authority);
        Assert.Null(blank.Purpose);
    }

    [Fact]
    public void TryValidate_AuthorityTooLongPurposeWithControlCharacter_EachFieldNamed()
    {
        var request = new AuthorisationRequest("2026-DPG-0412", "Police municipale", ["intrusion"], [new AuthorisedCamera("pole-12", "cam-1")], Start, Start.AddDays(1),
            Authority: new string('a', AuthorisationRules.MaxLength + 1), Purpose: "sécurité\u0007");

        Assert.False(AuthorisationRules.TryValidate(request, out var valid, out var errors));
        Assert.False(AuthorisationRules.TryValidate(request with { Authority = null, Purpose = new string('p', AuthorisationRules.MaxPurposeLength + 1) }, out _, out var tooLong));

        Assert.Null(valid);
        Assert.Equal(["authority", "purpose"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains($"at most {AuthorisationRules.MaxLength} characters", Assert.Single(errors["authority"]), StringComparison.Ordinal);
        Assert.Contains($"at most {AuthorisationRules.MaxPurposeLength} characters", Assert.Single(tooLong["purpose"]), StringComparison.Ordinal);
    }
}
