namespace Workbench.Cli;

/// <summary>Bad input from the user: printed as one line, exit code 2, nothing written.</summary>
public sealed class UserError(string message) : Exception(message);
