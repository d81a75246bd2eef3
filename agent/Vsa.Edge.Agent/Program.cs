using Vsa.Edge.Agent.Commands;

// vsa-agent run --config agent.json | analyze --source <video> … | enrol --fleet <url> … | provision check|selftest|setup … |
// model install|status|rollback …; `vsa-agent --help` and `<command> --help` list the options (Commands/AgentCommandLine.cs).
return await AgentCommandLine.InvokeAsync(AgentCommandLine.CreateForConsole(), args, Console.Out, Console.Error);
