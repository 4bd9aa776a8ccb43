import CNcursesw
public enum TerminalCursesPlaceholder {}
