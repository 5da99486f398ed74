export { STUDENT_SEARCH_SPECS, searchStudents, type StudentCandidate, type StudentSearchOptions, type StudentSearchResult } from './student-search.ts';
