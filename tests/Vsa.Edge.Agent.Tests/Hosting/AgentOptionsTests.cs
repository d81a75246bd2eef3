using Vsa.Edge.Agent.Hosting;

namespace Vsa.Edge.Agent.Tests.Hosting;

public sealed class AgentOptionsTests
{
    [Fact]
    public void Validate_LocalAuthorisationEndingBeforeItStarts_FailsNamingTheField()
    {
        var at = new DateTimeOffset(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
        var options = new AgentOptions
        {
            DeviceId = "dev-1",
            Authorisations = [new LocalAuthorisation { Reference = "A-1", Service = "PM", Events = ["intrusion"], Cameras = ["cam-1"], StartsAt = at, EndsAt = at.AddHours(-1) }],
        };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Agent:Authorisations[0].endsAt:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoCameraFileAndAValidWindow_Succeeds()
    {
        var at = new DateTimeOffset(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
        var options = new AgentOptions
        {
            DeviceId = "dev-1",
            Authorisations = [new LocalAuthorisation { Reference = "A-1", Service = "PM", Events = ["fire"], Cameras = ["cam-1"], StartsAt = at, EndsAt = at.AddHours(1) }],
        };

        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);
    }
}
